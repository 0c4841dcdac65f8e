"""The ``Idempotency-Key`` header of API pushes (draft-ietf-httpapi-idempotency-key-header).

* The first request with a key claims it and commits the claim at once, before
  any work: a retry arriving while it runs finds it ``in_progress`` and gets 409.
* When the work ends, its response (status and body) is stored; a retry with the
  same key and the same body gets that response again, marked
  ``Idempotent-Replayed: true``, without doing the work twice.
* The same key with a different body (its fingerprint: SHA-256 of the canonical
  JSON) or another endpoint is a client error: 422.
* Keys are per owner and expire after ``data.conf.idempotency_hours`` (24 h);
  an expired key is claimed anew. A failure that is not the client's (a 5xx)
  releases the key, so that a retry can succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import Conflict, DomainError, ErrorDetail, ValidationFailed
from govperf.data import conf
from govperf.data.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# An sf-string (RFC 8941) is quoted; bare tokens are accepted too. Printable ASCII only.
_KEY = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,255}$")


def parse_key(raw: str | None) -> str:
    """The key from the header value; 400 when absent or malformed (as the draft says)."""
    text = (raw or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not text:
        raise DomainError(
            message=_("This request needs an Idempotency-Key header."),
            details=[ErrorDetail(field=HEADER, message=_("Send a unique key, e.g. a UUID."))],
            code="idempotency_key_missing",
            status=400,
        )
    if not _KEY.match(text):
        raise DomainError(
            message=_("The Idempotency-Key is not valid."),
            details=[
                ErrorDetail(
                    field=HEADER,
                    value=text[:80],
                    message=_("At most 255 printable ASCII characters, without quotes or spaces."),
                )
            ],
            code="idempotency_key_invalid",
            status=400,
        )
    return text


def fingerprint(body: bytes) -> str:
    """SHA-256 of the body as canonical JSON (key order and spacing do not matter)."""
    try:
        canonical = json.dumps(
            json.loads(body.decode("utf-8")),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
    except (UnicodeDecodeError, ValueError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class Replay:
    status: int
    body: Any


def claim(
    *, owner, token, key: str, method: str, path: str, request_hash: str
) -> IdempotencyRecord | Replay:
    """Claim ``key`` for this request (committed at once), or the stored response to replay.

    Raises ``Conflict`` (409) while another request with the key is in progress and
    ``ValidationFailed`` (422) when the key was used for a different request.
    """
    now = timezone.now()
    expires = now + dt.timedelta(hours=conf.idempotency_hours())
    with transaction.atomic():
        found = IdempotencyRecord.objects.select_for_update().filter(owner=owner, key=key).first()
        if found is not None and found.expires_at <= now:
            found.delete()
            found = None
        if found is None:
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        key=key,
                        owner=owner,
                        token=token,
                        method=method,
                        path=path[:200],
                        request_hash=request_hash,
                        expires_at=expires,
                    )
            except IntegrityError:
                # Another request claimed it between our read and our insert.
                raise _in_progress() from None
        if found.request_hash != request_hash or found.path != path[:200] or found.method != method:
            raise ValidationFailed(
                _("This Idempotency-Key was already used for a different request."),
                [
                    ErrorDetail(
                        field=HEADER, value=key[:80], message=_("Use a new key for a new request.")
                    )
                ],
                code="idempotency_key_reused",
            )
        if found.state == IdempotencyRecord.State.IN_PROGRESS:
            raise _in_progress()
        return Replay(found.status_code or 200, found.response_body)


def _in_progress() -> Conflict:
    return Conflict(
        _("A request with this Idempotency-Key is still being processed; retry later."),
        code="idempotency_in_progress",
    )


def finish(record: IdempotencyRecord, status: int, body: Any) -> None:
    """Store the response to replay (a client error too: a retry would fail the same way)."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE, status_code=status, response_body=body
    )


def release(record: IdempotencyRecord) -> None:
    """Forget the claim after a failure that was not the client's."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def purge_expired(now: dt.datetime | None = None) -> int:
    deleted, _by_model = IdempotencyRecord.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
