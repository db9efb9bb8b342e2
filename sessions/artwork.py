"""Photos of participants' artwork: imported without their metadata, decided on by the maker.

A photo is read with Pillow, turned upright, shrunk to report size and saved
as a fresh JPEG that carries pixels only: no EXIF (GPS position, camera,
time), no XMP, no comment, no colour profile naming a device. The stored copy
lives in the consultation's private ``artwork`` folder. The record and its
audit event are saved in one store write; the image file is written first,
atomically, so a record never points at a half-written file.
"""

from __future__ import annotations

import io
from pathlib import Path

from models.artwork import Artwork, ArtworkState, decide_artwork
from models.audit import Actor, AuditEvent
from models.ids import new_id
from models.serial import SchemaError, from_dict, to_dict
from models.text import clean_text
from sessions.clock import now_iso
from sessions.encryption import read_file, write_file
from sessions.errors import FacilitateError, NotFound, StoreDamaged
from sessions.locations import ensure_private_dir
from sessions.store import ConsultationStore

#: The longest side of a stored photo, in pixels: sharp on a printed A4 page, small in a report.
MAX_SIDE = 1200
JPEG_QUALITY = 82
TABLE = "artwork"


class ArtworkError(FacilitateError):
    """A photo that cannot be imported (not an image, unreadable, too large)."""


def artwork_dir(store: ConsultationStore) -> Path:
    """The consultation's private folder of artwork photos."""
    return ensure_private_dir(store.folder / "artwork")


def clean_photo(path: Path) -> tuple[bytes, int, int]:
    """The photo at ``path`` as upright, report-sized JPEG bytes with no metadata, and its size."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as opened:
            opened.draft("RGB", (MAX_SIDE * 2, MAX_SIDE * 2))  # JPEGs decode at a smaller scale
            upright = ImageOps.exif_transpose(opened)
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                upright = upright.convert("RGBA")
                flat = Image.new("RGB", upright.size, "white")
                flat.paste(upright, mask=upright.getchannel("A"))
            else:
                flat = upright.convert("RGB")
            flat.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            # A new image from the pixels alone, so nothing in the file's info
            # (EXIF, XMP, a comment, an ICC profile) can travel to the copy.
            pixels = Image.frombytes("RGB", flat.size, flat.tobytes())
    except FileNotFoundError as error:
        raise ArtworkError(f"{path} does not exist; choose a photo file.") from error
    except IsADirectoryError as error:
        raise ArtworkError(f"{path} is a folder; choose a photo file.") from error
    except Image.DecompressionBombError as error:
        message = f"{path.name} is too large an image; resize it and try again."
        raise ArtworkError(message) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ArtworkError(
            f"{path.name} is not a photo facilitate can read; save it as JPEG or PNG and try again."
        ) from error
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), pixels.width, pixels.height


def _load(store: ConsultationStore, doc: object) -> Artwork:
    try:
        return from_dict(Artwork, dict(doc))  # type: ignore[call-overload]
    except SchemaError as error:
        raise StoreDamaged(store.folder, str(error)) from error


def artworks(store: ConsultationStore, session_id: str | None = None) -> list[Artwork]:
    """The consultation's artwork (optionally one session's), in the order it was added."""
    with store.lock:
        docs = store.db.table(TABLE).all()
    found = [_load(store, d) for d in docs]
    return [a for a in found if session_id is None or a.session_id == session_id]


def artwork(store: ConsultationStore, artwork_id: str) -> Artwork:
    """The artwork with ``artwork_id``."""
    for item in artworks(store):
        if item.id == artwork_id:
            return item
    raise NotFound(f"No artwork {artwork_id} in this consultation.")


def image_bytes(store: ConsultationStore, item: Artwork) -> bytes:
    """The stored (already cleaned) photo of ``item``."""
    path = store.folder / "artwork" / Path(item.file).name
    try:
        return read_file(path)  # decrypted in memory in an encrypted consultation
    except OSError as error:
        raise ArtworkError(
            f"The photo of artwork {item.id} is missing ({path}); remove it (a on its "
            "session, then del) and attach the photo again."
        ) from error


def _save(store: ConsultationStore, item: Artwork, event: AuditEvent) -> None:
    from tinydb import Query

    with store.transaction():
        store.db.table(TABLE).upsert(to_dict(item), Query().id == item.id)
        store.append_audit(event)


def add_artwork(
    store: ConsultationStore,
    session_id: str,
    participant_id: str,
    photo: Path,
    description: str = "",
) -> Artwork:
    """Attach a photo of ``participant_id``'s work to a session; metadata is stripped.

    The maker has not decided yet, so it appears in no export until they approve it.
    """
    store.session(session_id)
    maker = store.participant(participant_id)
    data, width, height = clean_photo(photo)
    item_id = new_id("art")
    file = f"{item_id}.jpg"
    write_file(artwork_dir(store) / file, data)  # sealed in an encrypted consultation
    item = Artwork(
        id=item_id,
        session_id=session_id,
        participant_id=maker.id,
        file=file,
        description=clean_text(description).strip(),
        width=width,
        height=height,
        added_at=now_iso(),
    )
    event = AuditEvent(
        at=item.added_at,
        actor=Actor.FACILITATOR,
        action="artwork added",
        subject_kind="artwork",
        subject_id=item.id,
        participant_id=maker.id,
        after={"state": ArtworkState.PENDING.value, "session": session_id},
    )
    _save(store, item, event)
    return item


def decide(
    store: ConsultationStore, artwork_id: str, approve: bool, actor: Actor = Actor.PARTICIPANT
) -> Artwork:
    """The maker approves their artwork or says not to use it; saved with its audit event."""
    with store.transaction():
        current = artwork(store, artwork_id)
        updated, event = decide_artwork(current, approve, now_iso(), actor)
        _save(store, updated, event)
    return updated


def remove_artwork(store: ConsultationStore, artwork_id: str) -> Artwork:
    """Take out artwork attached by mistake (or whose photo is lost), audited; return it.

    Whatever its maker decided, removing it can only keep it out of exports, so
    it is never refused. The record and its audit event go in one store write,
    then the photo; the event names the piece and its state, never its description.
    """
    from tinydb import Query

    with store.transaction():
        item = artwork(store, artwork_id)
        store.db.table(TABLE).remove(Query().id == item.id)
        store.append_audit(AuditEvent(
            at=now_iso(), actor=Actor.FACILITATOR, action="artwork removed",
            subject_kind="artwork", subject_id=item.id, participant_id=item.participant_id,
            before={"state": item.state.value}, after="removed",
        ))
    (store.folder / "artwork" / Path(item.file).name).unlink(missing_ok=True)
    return item


def artwork_for(store: ConsultationStore, participant_id: str) -> list[Artwork]:
    """Only ``participant_id``'s own artwork, for their review."""
    return [a for a in artworks(store) if a.participant_id == participant_id]


def remove_artwork_of(store: ConsultationStore, participant_id: str) -> int:
    """Delete every artwork record and photo of ``participant_id`` (for an erasure); the count.

    The records go first, in one store write, so a photo is never left pointing
    nowhere that an export could still find; then the files.
    """
    from tinydb import Query

    with store.transaction():
        theirs = artwork_for(store, participant_id)
        store.db.table(TABLE).remove(Query().participant_id == participant_id)
    for item in theirs:
        (store.folder / "artwork" / Path(item.file).name).unlink(missing_ok=True)
    return len(theirs)
