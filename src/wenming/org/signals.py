from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from wenming.org.lookup import invalidate
from wenming.org.models import Area


@receiver(post_save, sender=Area)
@receiver(post_delete, sender=Area)
def area_changed(**kwargs):
    invalidate()


@receiver(post_migrate)
def keep_reference_permissions(sender, using="default", **kwargs):
    """After an upgrade brings new reference models, the office's group gets them too."""
    from django.contrib.auth.models import Group

    from wenming.org.services import REFERENCE_EDITORS, grant_reference_permissions

    group = Group.objects.using(using).filter(name=REFERENCE_EDITORS).first()
    if group is not None:
        grant_reference_permissions(group)
