"""The note editor (``n``).

Notes are the one thing in the cache that exists nowhere else, so the editor never loses text:
it saves a draft half a second after each change (restored the next time the editor opens
for that student and note), keeps everything typed when a save fails, and asks before closing
with unsaved changes. "Draft saved" is said once the draft is written, never before; a draft
that cannot be written is said ("Draft NOT saved") and sent again with the next change, and
"Close, keep draft" closes only once the draft is written. Every store call runs in a worker
(the injected ``NotesCalls``).
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import suppress
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from caseload.domain.notes import (
    DATE_SYNTAX,
    ContactMethod,
    ContactOutcome,
    Note,
    NoteConflict,
    NoteStatus,
    NoteType,
    days_after_words,
    next_one_words,
)
from caseload.domain.report import Flag
from caseload.tui import messages
from caseload.tui.format import date_error, parse_date
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.safe import clean, literal
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.notes_modal import NotesModal
from caseload.tui.session import NoteDay
from caseload.tui.widgets.check_list import CheckList
from caseload.tui.widgets.notes import contact_words
from caseload.tui.widgets.overflow_scroll import OverflowScroll

AUTOSAVE_SECONDS = 0.5
FLAG_ROWS = 5  # the flags list's most rows (then it scrolls)


def _flag_key(code: str, class_id: str | None) -> str:
    return f"{code}|{class_id or ''}"


def _split_key(key: str) -> tuple[str, str | None]:
    code, _, class_id = key.partition("|")
    return code, class_id or None


class NoteEditor(NotesModal[Note | None]):
    """Write or edit one note about one student; dismisses with the saved note (None: closed)."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="note.save",
                tooltip="Save the note"),
        Binding("escape", "close", "Close", id="note.close",
                tooltip="Close the editor (asks first when there are unsaved changes)"),
    ]

    def __init__(
        self, student_id: str, student_name: str, flags: list[Flag], *, notes: NotesCalls,
        author_id: str, as_of: dt.date, note: Note | None = None,
        today: dt.date | None = None, class_id: str | None = None, class_title: str = "",
        prefill: dict[str, Any] | None = None, day: NoteDay | None = None,
    ) -> None:
        """``class_id`` (``class_title`` names it): the note is about this class (the class
        screen's ``n``); an edited note keeps its own class. ``today``: the local date (what
        a conflict's "today" is); ``day``: what the dates count ``today``, ``+3d``, ``fri``
        from (``Session.note_day``: today). A new note's contact date starts at the as-of
        date (the day the counselor is looking at: today, unless they moved it)."""
        super().__init__(notes, student_name, as_of)
        self.class_id = note.class_id if note is not None else class_id
        self.class_title = class_title
        self.today = today or dt.date.today()
        self.day = day or NoteDay(self.today, "today")  # what "today", "+3d", "fri" count from
        self._typed: dict[str, tuple[str, str]] = {}  # a date field's words and the date read
        self.student_id = student_id
        self.flags = flags
        self.author_id = author_id
        self.note = note
        self.note_id = note.id if note else None
        self.saved = False
        self.saving = False
        # set by the save's worker once the note is stored, before its draft is dropped: a
        # draft write queued behind the save (an autosave) then writes nothing
        self._stored = threading.Event()
        self._asking_quit = False
        self.error_text = ""  # the problem shown under the fields
        self._timer: Timer | None = None
        self._drafted: dict[str, Any] | None = None  # the payload last sent as a draft
        # draft writes are numbered; the status says "Draft saved" only once the last one sent
        # is written, and a failed one forgets what was sent, so the next write sends it again
        self._draft_seq = 0
        self._last_sent: dict[str, Any] | None = None  # the payload of write ``_draft_seq``
        self._kept: dict[str, Any] | None = None  # the payload known to be stored as the draft
        self._closing_kept = False  # "Close, keep draft": closes once its write is done
        self._ready = False  # fields filled (changes before this are the editor's own)
        # a new note may start with fields filled in (a guardian contact: type, method, text)
        self.pristine = {**self._payload_of(note), **(prefill if note is None and prefill else {})}

    # -- the fields as a payload ---------------------------------------------------------------

    def _payload_of(self, note: Note | None) -> dict[str, Any]:
        if note is None:
            return {"contact_date": self.as_of.isoformat(),  # (the day looked at)
                    "type": NoteType.STUDENT_MEETING.value,
                    "status": NoteStatus.OPEN.value, "flags": [], "text": "", "follow_up": "",
                    "method": "", "outcome": ""}
        keys = []
        for code in note.flags:
            matching = [f for f in self.flags if f.code.value == code
                        and (note.class_id is None or f.class_id in (None, note.class_id))]
            klass = matching[0].class_id if matching else note.class_id
            keys.append(_flag_key(code, klass))
        return {"contact_date": note.contact_date.isoformat(), "type": note.type.value,
                "status": note.status.value, "flags": keys, "text": note.text,
                "follow_up": note.follow_up.isoformat() if note.follow_up else "",
                "method": note.method.value if note.method else "",
                "outcome": note.outcome.value if note.outcome else ""}

    def _flag_options(self) -> list[tuple[str, Text]]:
        options: list[tuple[str, Text]] = []
        seen: set[str] = set()
        for flag in self.flags:
            key = _flag_key(flag.code.value, flag.class_id)
            if key in seen:
                continue
            seen.add(key)
            label = Text(f"{flag.code.label:<8} ", style="bold", end="")
            label.append_text(literal(flag.message))
            options.append((key, label))
        for key in self.pristine["flags"]:  # an edited note's flags that no longer hold
            if key not in seen:
                seen.add(key)
                code, _ = _split_key(key)
                options.append((key, Text(f"{code} (not flagged now)", end="")))
        return options

    def payload(self) -> dict[str, Any]:
        select_type = self.query_one("#note-type", Select)
        select_status = self.query_one("#note-status", Select)
        return {
            "contact_date": self.query_one("#note-contact", Input).value.strip(),
            "type": str(select_type.value) if select_type.value is not Select.NULL
            else NoteType.OTHER.value,
            "status": str(select_status.value) if select_status.value is not Select.NULL
            else NoteStatus.OPEN.value,
            "flags": sorted(str(v) for v in self.query_one("#note-flags", SelectionList).selected),
            "text": self.query_one("#note-text", TextArea).text,
            "follow_up": self.query_one("#note-follow-up", Input).value.strip(),
            "method": self._choice("#note-method"),
            "outcome": self._choice("#note-outcome"),
        }

    def _choice(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return "" if value is Select.NULL or value is None else str(value)

    def _normalized(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "flags": sorted(payload.get("flags", []))}

    @property
    def dirty(self) -> bool:
        return self._normalized(self.payload()) != self._normalized(self.pristine)

    def fill(self, payload: dict[str, Any]) -> None:
        self.query_one("#note-contact", Input).value = str(payload.get("contact_date") or "")
        kind = str(payload.get("type") or "")
        if kind in {t.value for t in NoteType}:
            self.query_one("#note-type", Select).value = kind
        status = str(payload.get("status") or "")
        if status in {s.value for s in NoteStatus}:
            self.query_one("#note-status", Select).value = status
        for selector, key, codes in (("#note-method", "method", ContactMethod),
                                     ("#note-outcome", "outcome", ContactOutcome)):
            select = self.query_one(selector, Select)
            code = str(payload.get(key) or "")
            if code in {c.value for c in codes}:
                select.value = code
            else:
                select.clear()
        flags = self.query_one("#note-flags", SelectionList)
        flags.deselect_all()
        wanted = {str(k) for k in payload.get("flags") or []}
        for key, _label in self._flag_options():
            if key in wanted:
                flags.select(key)
        area = self.query_one("#note-text", TextArea)
        area.text = str(payload.get("text") or "")
        area.move_cursor(area.document.end)  # editing goes on where the text ends
        self.query_one("#note-follow-up", Input).value = str(payload.get("follow_up") or "")

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        title = Text("Edit note" if self.note else "New note", style="bold", end="")
        title.append(" about ")
        title.append_text(literal(self.student_name, style="bold"))
        if self.class_id is not None:
            title.append(" in ")
            title.append_text(literal(self.class_title or self.class_id, style="bold"))
        with Vertical(classes="dialog", id="note-editor"):
            yield Static(title, id="note-title")
            with Horizontal(classes="note-row"):
                yield Label("Date", classes="note-label")
                yield Input(placeholder="today, -1d, M/D", id="note-contact", compact=True,
                            max_length=12, tooltip=self._date_tooltip())
                yield Label("Type", classes="note-label")
                yield Select([(t.words, t.value) for t in NoteType], allow_blank=False,
                             value=NoteType.STUDENT_MEETING.value, id="note-type", compact=True)
                yield Label("Status", classes="note-label")
                yield Select([("Open", NoteStatus.OPEN.value), ("Done", NoteStatus.DONE.value)],
                             allow_blank=False, value=NoteStatus.OPEN.value, id="note-status",
                             compact=True)
            with Horizontal(classes="note-row"):
                yield Label("Method", classes="note-label")
                yield Select([(m.words, m.value) for m in ContactMethod], prompt="—",
                             id="note-method", compact=True)
                yield Label("Outcome", classes="note-label")
                yield Select([(o.words, o.value) for o in ContactOutcome], prompt="—",
                             id="note-outcome", compact=True)
            yield Label("Flags this note addresses (space to check):", classes="note-caption")
            options = self._flag_options()
            # checked and unchecked boxes differ by glyph, not only colour (as in the flag filter)
            yield CheckList[str](*(Selection(label, key) for key, label in options),
                                 id="note-flags", compact=True)
            if not options:
                yield Static(Text("No current flags", end=""), id="note-no-flags")
            yield TextArea(id="note-text", soft_wrap=True, tab_behavior="focus",
                           placeholder="What happened, what was agreed, next steps…")
            with Horizontal(classes="note-row"):
                yield Label("Follow up on", classes="note-label")
                yield Input(placeholder="+1w, fri, M/D (optional)", id="note-follow-up",
                            compact=True, max_length=12, tooltip=self._date_tooltip())
                yield Static(Text("", end=""), id="note-draft-status")
            # at most three rows (notes.tcss), scrolled when longer: a long error pushed the
            # keys line below the terminal at 80x24
            with OverflowScroll(id="note-error-box"):
                yield Static(Text("", end=""), id="note-error")
            with VerticalScroll(id="note-theirs") as theirs:
                theirs.display = False
                yield Static(Text("", end=""), id="note-theirs-text")
            yield Static(Text("ctrl+s save · esc close · tab next field · drafts save as you "
                              "type", end=""), classes="dialog-help")

    def on_mount(self) -> None:
        flags = self.query_one("#note-flags")
        options = len(self._flag_options())
        if not options:
            flags.display = False
        # no taller than its options (one line each) when it shares rows with the text (-error)
        flags.styles.max_height = min(FLAG_ROWS, max(options, 1))
        self.show_error("")
        self.fill(self.pristine)
        self._drafted = self._normalized(self.pristine)
        self.query_one("#note-text", TextArea).focus()
        self.notes.load_draft(self, self.author_id, self.student_id,
                              self.note_id)

    def on_draft_loaded(self, message: messages.DraftLoaded) -> None:
        draft = message.draft
        if draft is not None and not self.dirty:
            payload = {**self.pristine, **draft.payload}
            if self._normalized(payload) != self._normalized(self.pristine):
                self.fill(payload)
                self._drafted = self._kept = self._normalized(payload)
                when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
                self._set_draft_status(f"Recovered the unsaved draft from {when}")
        self.call_after_refresh(self._set_ready)

    def _set_ready(self) -> None:
        self._ready = True

    @on(Input.Blurred, "#note-contact, #note-follow-up")
    def _date_left(self, event: Input.Blurred) -> None:
        """A date typed as ``fri`` or ``+1w`` becomes the date it means when the cursor leaves
        the field (so the draft and the saved note hold the date, not the words)."""
        text = event.input.value.strip()
        if not text:
            return
        with suppress(ValueError):  # a date it cannot read is said on save, with the forms
            read = parse_date(text, self.day.day).isoformat()
            if read != text:  # kept: what was typed, to say why it reads so (_confirm_ahead)
                self._typed[str(event.input.id)] = (text, read)
            event.input.value = read

    def _date_tooltip(self) -> str:
        return f"Type {DATE_SYNTAX}: counted from {self.day.words}"

    # -- autosave ------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    def changed(self) -> None:
        if not self._ready or self.saved or self.saving or self._closing_kept:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(AUTOSAVE_SECONDS, self.save_draft_now, name="note draft")

    def save_draft_now(self) -> None:
        """Send the fields as the draft (or drop the draft when they are back as they were)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.saved:
            return
        payload = self._normalized(self.payload())
        if payload == self._drafted:
            return
        self._send_draft(payload)

    def _send_draft(self, payload: dict[str, Any]) -> None:
        """Write ``payload`` as the draft (drop the draft: the fields are as they were) in a
        worker; ``DraftSaved`` or ``LoadFailed`` says how it went."""
        self._drafted = self._last_sent = payload
        self._draft_seq += 1
        pristine = payload == self._normalized(self.pristine)
        stored = self._stored
        self.notes.save_draft(self, self.author_id, self.student_id,
                              self.note_id, None if pristine else payload,
                              lambda: not stored.is_set(), seq=self._draft_seq)
        if not pristine:
            self._set_draft_status("Saving draft…")

    def on_draft_saved(self, message: messages.DraftSaved) -> None:
        if message.seq != self._draft_seq:
            return  # an earlier write: the last one's answer is still to come
        self._kept = self._drafted = self._last_sent
        pristine = self._last_sent == self._normalized(self.pristine)
        self._set_draft_status("" if pristine else "Draft saved")
        if self._closing_kept:
            self.dismiss(None)

    def _draft_not_saved(self) -> None:
        """A draft write failed (the App has said why, without the note's text): say so here,
        and forget what was sent, so the next autosave or "keep" writes the fields again."""
        self._drafted = self._kept = None
        self._set_draft_status("Draft NOT saved")
        if self._closing_kept:
            self._closing_kept = False
            self._editable(True)
            self.show_error("The draft could not be written, so the editor was not closed: "
                            "your text is still here. Save the note (ctrl+s) or close again "
                            "(Escape) in a moment.")

    def _set_draft_status(self, text: str) -> None:
        self.query_one("#note-draft-status", Static).update(Text(text, end=""))

    # -- saving --------------------------------------------------------------------------------

    def validate(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The store's fields, or the problem to show (and the field to focus)."""
        try:
            contact = parse_date(payload["contact_date"], self.day.day)
        except ValueError as exc:
            return None, "#note-contact:" + date_error(
                exc, "The contact date", f"Type the contact date as {DATE_SYNTAX}.")
        follow_up: dt.date | None = None
        if payload["follow_up"]:
            try:
                follow_up = parse_date(payload["follow_up"], self.day.day)
            except ValueError as exc:
                return None, "#note-follow-up:" + date_error(
                    exc, "The follow-up date",
                    f"Type the follow-up date as {DATE_SYNTAX}, or leave it empty.")
            if follow_up < contact:
                return None, "#note-follow-up:The follow-up date is before the contact date."
        if not payload["text"].strip():
            return None, "#note-text:Write what happened before saving."
        codes: list[str] = []
        class_id: str | None = self.class_id  # the class the note is about, else a flag's
        for key in payload["flags"]:
            code, klass = _split_key(key)
            if code not in codes:
                codes.append(code)
            if class_id is None and klass:
                class_id = klass
        return {"contact_date": contact, "type": payload["type"], "status": payload["status"],
                "flags": codes, "class_id": class_id, "text": payload["text"],
                "follow_up": follow_up, "method": payload.get("method") or None,
                "outcome": payload.get("outcome") or None}, None

    def show_error(self, text: str) -> None:
        """Say ``text`` under the fields ("": nothing). The rows it takes come from the flags
        list, not the note's text (notes.tcss, ``-error``), at most three (a longer error
        scrolls: its box joins the tab order), and no row is kept for no error."""
        self.error_text = text
        self.query_one("#note-error", Static).update(literal(text, multiline=True))
        box = self.query_one("#note-error-box", OverflowScroll)
        box.display = bool(text)
        box.scroll_home(animate=False)
        self.query_one("#note-editor").set_class(bool(text), "-error")

    def action_save(self) -> None:
        if self.saving or self.saved or self._closing_kept:
            return
        fields, problem = self.validate(self.payload())
        if problem is not None or fields is None:
            selector, _, text = (problem or "").partition(":")
            self.show_error(text)
            for widget in self.query(selector):
                widget.focus()
            return
        contact = fields["contact_date"]
        if contact > self.day.day and (self.note is None or contact != self.note.contact_date):
            self._confirm_ahead(fields)  # a contact date after today: asked, never silent
            return
        self._store(fields)

    def _confirm_ahead(self, fields: dict[str, Any]) -> None:
        """The contact date is after the day the dates count from (``12/1`` typed on 12/5
        reads as next year's): say what it reads as and why, then go back to the field or
        save with it. The note stays as typed either way."""
        contact: dt.date = fields["contact_date"]
        typed = self.query_one("#note-contact", Input).value.strip()
        words, read = self._typed.get("note-contact", ("", ""))
        typed = words if read == typed else typed  # the field shows the date it read
        how = next_one_words(typed)
        far = days_after_words(contact, self.day.day, self.day.name)
        question = f"The contact date {typed} means {how}: {far}." if how else (
            f"The contact date is {far}.")
        with suppress(ValueError):  # (no last one within the dates caseload works with)
            if how:
                last = parse_date(typed, self.day.day, past=True)
                question += (f" For {how.replace('the next', 'the last')}, go back and type "
                             f"{last.isoformat()}.")

        def answer(choice: str | None) -> None:
            if choice == "save":
                self._store(fields)
            else:
                self.query_one("#note-contact", Input).focus()

        self.app.push_screen(ConfirmModal(
            f"{question}\nSave the note with that date?",
            [("back", "Go back, fix the date"), ("save", f"Save with {contact.isoformat()}")]),
            answer)

    def _store(self, fields: dict[str, Any]) -> None:
        """Save the note with ``fields`` (``validate``'s) in a worker."""
        if self.saving or self.saved or self._closing_kept:
            return
        self.show_error("")
        self.saving = True
        if self._timer is not None:  # no autosave while (and after) the note is saved
            self._timer.stop()
            self._timer = None
        self._editable(False)  # what is typed now would be lost when the editor closes
        self._set_draft_status("Saving…")
        self.notes.save_note(self, student_id=self.student_id, author_id=self.author_id,
                             note=self.note, fields=fields, stored=self._stored)

    def _editable(self, on: bool) -> None:
        for widget in self.query("Input, TextArea, Select, SelectionList"):
            widget.disabled = not on
        if on:
            with suppress(Exception):
                self.query_one("#note-text", TextArea).focus()

    def on_note_saved(self, message: messages.NoteSaved) -> None:
        """Say it is saved, then close: the notice is asked for before the editor leaves the
        screen stack (a result callback runs later, on the asking screen's queue)."""
        self.saved = True
        self.saving = False
        if self._timer is not None:
            self._timer.stop()
        verb = "added" if self.note is None else "updated"
        self.app.notify(f"Note {verb} for {clean(self.student_name)}", title="Saved",
                        markup=False)
        if message.draft_kept:
            self.app.notify("The note is saved; its draft could not be removed and may come "
                            "back when you next write a note for this student.",
                            title="Notes", severity="warning", markup=False)
        self.dismiss(message.note)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group == "note-draft" and message.name == "save draft":
            self._draft_not_saved()
            return
        if message.group != "note-save":
            return
        self.saving = False
        self._editable(True)
        self._set_draft_status("Not saved (your text is kept)")
        self.show_error(f"Not saved: {message.error}")

    def on_note_conflicted(self, message: messages.NoteConflicted) -> None:
        """Someone saved this note first: say so in plain words and show their version under
        the counselor's own (kept in the editor and the draft)."""
        self.saving = False
        self._editable(True)
        self.save_draft_now()
        self._set_draft_status("Not saved (your text is kept)")
        current = message.current
        if current is None:
            self.show_error("Not saved: this note was changed in another window or by another "
                            "user since you opened it. Your text is kept here and in the "
                            "draft; copy it, close, and open the note again.")
            return
        self.query_one("#note-editor").add_class("-conflict")  # room for both versions
        conflict = message.conflict or NoteConflict(current.id, None, current)
        said = conflict.plain_words(self.today, me=self.author_id)
        self.show_error(
            f"Not saved: {said}, after you opened it. Your version is kept in the editor "
            "above (and in the draft); theirs is below. To keep yours, copy what you need, "
            "close, and open the note again.")
        theirs = Text(f"Their version ({current.contact_date.isoformat()} · "
                      f"{current.type.words} · {current.status.value}", style="bold", end="")
        if contact_words(current):
            theirs.append(f" · {contact_words(current)}", style="bold")
        if current.follow_up:
            theirs.append(f" · follow up {current.follow_up.isoformat()}", style="bold")
        theirs.append("):\n", style="bold")
        theirs.append_text(literal(current.text, multiline=True))
        self.query_one("#note-theirs-text", Static).update(theirs)
        self.query_one("#note-theirs").display = True

    # -- quitting the app ------------------------------------------------------------------------

    @property
    def writing(self) -> bool:
        """The note is being saved, or its draft written before the editor closes."""
        return self.saving or self._closing_kept

    @property
    def unsaved(self) -> bool:
        """Changes not saved as the note (Escape asks about them; so does quitting)."""
        return not self.saved and self.dirty

    def confirm_quit(self) -> None:
        """The app is quitting with this note unsaved: ask as Escape does; "keep" writes the
        draft, then quits; "discard" drops it, then quits; "stay" goes back to the note."""
        if self._asking_quit:
            return
        self._asking_quit = True

        def answer(choice: str | None) -> None:
            self._asking_quit = False
            if choice in ("keep", "discard"):
                if self._timer is not None:
                    self._timer.stop()
                    self._timer = None
                keep = choice == "keep" and self.dirty
                self.saved = True  # no autosave after this
                self._write_draft_then_quit(self._normalized(self.payload()) if keep else None)

        self.app.push_screen(ConfirmModal(
            "This note has unsaved changes. Quit caseload?\n"
            "Keep the draft: it comes back the next time you write this note.",
            [("stay", "Keep editing"), ("keep", "Quit, keep draft"),
             ("discard", "Quit, discard changes")],
            danger="discard"), answer)

    @work(thread=True, name="write the draft, then quit", group="note-draft", exit_on_error=False)
    def _write_draft_then_quit(self, payload: dict[str, Any] | None) -> None:
        """Write (None: drop) the draft, then quit. Should the write fail (the cache busy or
        read-only), the app's worker-error handler says so and the app stays open."""
        store = self.notes.store
        try:
            if payload is None:
                store.discard_draft(self.author_id, self.student_id, self.note_id)
            else:
                store.save_draft(self.author_id, self.student_id, self.note_id, payload)
        except Exception:
            self.app.call_from_thread(self._quit_failed)  # the note stays open, editable
            raise
        self.app.call_from_thread(self.app.exit)

    def _quit_failed(self) -> None:
        """The draft could not be written before quitting: the editor is as it was (saving,
        autosave and the question on quitting work again); the error is said by the app."""
        self.saved = False
        self._drafted = self._kept = None  # the next autosave sends the fields again
        self._set_draft_status("Draft NOT saved")

    # -- closing -------------------------------------------------------------------------------

    def action_close(self) -> None:
        if self.saving or self._closing_kept:
            return
        if not self.dirty:
            self.save_draft_now()  # drops a recovered draft the counselor undid
            self.dismiss(None)
            return

        def answer(choice: str | None) -> None:
            if choice == "keep":
                self._keep_then_close()
            elif choice == "discard":
                self.saved = True  # no autosave after this
                if self._timer is not None:
                    self._timer.stop()
                self.notes.discard_draft(self.app, self.author_id,
                                         self.student_id, self.note_id)
                self.dismiss(None)

        self.app.push_screen(ConfirmModal(
            "This note has unsaved changes. Close the editor?\n"
            "Keep the draft: it comes back the next time you write this note.",
            [("stay", "Keep editing"), ("keep", "Close, keep draft"),
             ("discard", "Discard changes")],
            danger="discard"), answer)

    def _keep_then_close(self) -> None:
        """"Close, keep draft": close at once when the fields are the draft already stored,
        else write them (in a worker) and close once written; should the write fail, the
        editor stays open as it was and says so (``_draft_not_saved``)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        payload = self._normalized(self.payload())
        if payload == self._kept:
            self.dismiss(None)
            return
        self.show_error("")
        self._closing_kept = True
        self._editable(False)  # what is typed now would be lost when the editor closes
        self._send_draft(payload)
