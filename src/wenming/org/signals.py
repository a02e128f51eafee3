from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wenming.org.lookup import invalidate
from wenming.org.models import Area


@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
def area_changed(**kwargs):
    invalidate()
