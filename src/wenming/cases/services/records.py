"""What every step of a case leaves behind: its immutable event, and the photos attached to it."""

from django.utils.translation import gettext as _

from wenming.cases.models import Attachment, CaseEvent
from wenming.core.errors import Invalid
from wenming.core.photos import PhotoError, process_upload
from wenming.org.actors import Actor

MAX_PHOTOS = 9


def processed_photos(photos) -> list:
    """The uploads checked and converted (public copy, thumbnail), or Invalid naming the bad one."""
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise Invalid(_("at most %d photos") % MAX_PHOTOS)
    processed = []
    for upload in photos:
        try:
            processed.append(process_upload(upload))
        except PhotoError as exc:
            raise Invalid(f"{getattr(upload, 'name', '')}: {exc}", fields={"photos": str(exc)}) from None
    return processed


def attach_photo(case, event, photo, stage, user, saved_files: list) -> Attachment:
    attachment = Attachment(
        case=case,
        event=event,
        stage=stage,
        original_name=photo.original_name,
        content_type=photo.content_type,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        exif_lon=photo.exif_lon,
        exif_lat=photo.exif_lat,
        taken_at=photo.taken_at,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    for field_name, content in (
        ("image", photo.original),
        ("thumbnail", photo.thumbnail),
        ("public_image", photo.public),
    ):
        getattr(attachment, field_name).save(content.name, content, save=False)
        saved_files.append((attachment.image.storage, getattr(attachment, field_name).name))
    attachment.save()
    return attachment


def record_event(
    case, actor: Actor, action, from_status, to_status, now, *, note="", data=None, public=True
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor.user,
        actor_unit=actor.unit,
        at=now,
        note=note,
        data=data or {},
        public=public,
    )
