"""What cases offer the other apps: every change of a case (intake, the lifecycle's steps,
supervision), what those steps may be, and the vocabulary to read cases with (their models and
statuses). Other apps use cases through this package only (the import contracts in pyproject.toml)."""

from wenming.cases.models import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    Category,
    Priority,
    Source,
    Stage,
    Status,
)
from wenming.cases.services.deadlines import recompute_provisional_deadlines, time_left
from wenming.cases.services.filing import (
    DESCRIPTION_MAX,
    PUBLIC_SOURCES,
    TRUSTED_SOURCES,
    IntakeDraft,
    IntakeResult,
    file_intake,
    find_duplicates,
    intake,
    new_client_key,
    prepare_intake,
)
from wenming.cases.services.lifecycle import (
    ACTIONS,
    REOPEN_DAYS,
    TRANSITIONS,
    accept,
    add_photos,
    allowed_actions,
    decide_request,
    dispatch,
    evaluate,
    event_label,
    forget_reporter,
    hide,
    is_dispatcher_user,
    merge,
    perform,
    red_flag,
    redact_photo,
    register,
    reject,
    rectify,
    reopen,
    request_extension,
    request_suspension,
    resume,
    return_case,
    unhide,
    verify,
)
from wenming.cases.services.records import MAX_PHOTOS
from wenming.cases.services.supervision import supervise
from wenming.core.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound, ServiceError

__all__ = [
    "ACTIONS", "ACTIVE_STATUSES", "DESCRIPTION_MAX", "FINISHED_STATUSES", "MAX_PHOTOS", "OPEN_STATUSES",
    "PUBLIC_SOURCES", "REOPEN_DAYS", "TRANSITIONS", "TRUSTED_SOURCES",
    "Attachment", "Case", "CaseEvent", "Category", "Conflict", "Forbidden", "IntakeDraft", "IntakeResult", "Invalid",
    "InvalidTransition", "NotFound", "Priority", "ServiceError", "Source", "Stage", "Status",
    "accept", "add_photos", "allowed_actions", "decide_request", "dispatch", "evaluate", "event_label", "file_intake",
    "find_duplicates", "forget_reporter", "hide", "intake", "is_dispatcher_user", "merge", "new_client_key",
    "perform", "prepare_intake", "recompute_provisional_deadlines", "red_flag", "redact_photo", "register", "reject",
    "rectify", "reopen", "request_extension", "request_suspension", "resume", "return_case", "supervise", "time_left", "unhide",
    "verify",
]
