"""What a file must be to be stored: not too big, of a kind a CRM keeps, and what its name says it is.

The content is sniffed (``filetype`` reads the magic bytes), so a program renamed to ``.pdf`` or an HTML
page renamed to ``.jpg`` is refused; HTML and SVG are never stored (they could run script when opened).
"""

from __future__ import annotations

import os
import re
import unicodedata

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Extension → the content types its content may be sniffed as (None: plain text, no magic bytes).
ALLOWED: dict[str, tuple[str | None, ...]] = {
    "pdf": ("application/pdf",),
    "doc": ("application/x-ole-storage", "application/msword"),
    "xls": ("application/x-ole-storage", "application/vnd.ms-excel"),
    "ppt": ("application/x-ole-storage", "application/vnd.ms-powerpoint"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/zip"),
    "odt": ("application/vnd.oasis.opendocument.text", "application/zip"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "application/zip"),
    "rtf": ("application/rtf", "text/rtf"),
    "zip": ("application/zip",),
    "png": ("image/png",),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "gif": ("image/gif",),
    "webp": ("image/webp",),
    "heic": ("image/heic",),
    "mp3": ("audio/mpeg",),
    "wav": ("audio/x-wav", "audio/wav"),
    "ogg": ("audio/ogg",),
    "m4a": ("audio/m4a", "video/mp4", "audio/mp4"),
    "txt": (None,),
    "csv": (None,),
    "eml": (None,),
    "vcf": (None,),
    "ics": (None,),
}
# What a download says it is (never what the uploader claimed).
SERVED_AS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
}
# Shown in the browser rather than downloaded: none of these can carry script.
INLINE = frozenset({"pdf", "png", "jpg", "jpeg", "gif", "webp", "mp3", "wav", "ogg", "m4a"})


def extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def check(upload: UploadedFile) -> str | None:
    """The reason a file is refused, in the user's language, or None if it may be stored."""
    limit = settings.CRM_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        return _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
    if not upload.size:
        return _("The file is empty.")
    ext = extension(upload.name or "")
    allowed = ALLOWED.get(ext)
    if allowed is None:
        return _("Files of type .%(ext)s are not accepted.") % {"ext": ext or "?"}
    head = _head(upload)
    sniffed = filetype.guess_mime(head)
    if None in allowed:
        if sniffed is not None or not _looks_like_text(head):
            return _("The file's content is not what its name says (.%(ext)s).") % {"ext": ext}
        return None
    if sniffed not in allowed:
        return _("The file's content is not what its name says (.%(ext)s).") % {"ext": ext}
    return None


def content_type(upload: UploadedFile) -> str:
    ext = extension(upload.name or "")
    return SERVED_AS.get(ext, "application/octet-stream")


def safe_name(name: str) -> str:
    """The name shown and downloaded: no path, no control characters, at most 200 characters."""
    base = os.path.basename(name.replace("\\", "/"))
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip(" .") or "file"
    stem, ext = os.path.splitext(base)
    return stem[: 200 - len(ext)] + ext


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    lowered = head[:1024].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<script")):
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            if encoding == "utf-8" and error.start >= len(head) - 3:
                return True  # a multi-byte character cut by the 8 KB window
            continue
        return True
    return False
