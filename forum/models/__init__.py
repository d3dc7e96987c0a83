"""The data model. Import models from here."""

from forum.models.common import utcnow
from forum.models.finding import RelatedList, TagSynonym, ThreadVector
from forum.models.jobs import Job
from forum.models.moderation import (
    CLOSE_REASONS,
    FLAG_REASONS,
    AuditEntry,
    CloseVote,
    Flag,
    ReviewTask,
)
from forum.models.notifications import (
    EMAIL_CHOICES,
    NOTIFICATION_KINDS,
    Follow,
    Notification,
    OutboxMail,
    TagWatch,
    UserBadge,
)
from forum.models.posts import Answer, Comment, Post, Question, Revision, Tag, question_tags
from forum.models.support import (
    ATTACHMENT_KINDS,
    FIX_ANSWERS,
    KNOWN_STATES,
    AnswerReminder,
    Attachment,
    Blob,
    FixCheck,
    KnownIssue,
    MeToo,
    TrackerDelivery,
)
from forum.models.users import ROLES, ApiToken, User
from forum.models.votes import ReputationEvent, Vote

__all__ = [
    "Job",
    "EMAIL_CHOICES",
    "NOTIFICATION_KINDS",
    "Follow",
    "Notification",
    "OutboxMail",
    "TagWatch",
    "UserBadge",
    "CLOSE_REASONS",
    "FLAG_REASONS",
    "AuditEntry",
    "CloseVote",
    "Flag",
    "ReviewTask",
    "ATTACHMENT_KINDS",
    "FIX_ANSWERS",
    "AnswerReminder",
    "FixCheck",
    "TrackerDelivery",
    "KNOWN_STATES",
    "Attachment",
    "Blob",
    "KnownIssue",
    "MeToo",
    "ROLES",
    "Answer",
    "ApiToken",
    "Comment",
    "Post",
    "Question",
    "ReputationEvent",
    "Revision",
    "Tag",
    "User",
    "Vote",
    "question_tags",
    "RelatedList",
    "TagSynonym",
    "ThreadVector",
    "utcnow",
]
