"""The note editor (``n``), the follow-ups screen (``u``), the export dialog (``e``) and a
note's history (``v`` on the Notes tab).

Notes are the one thing in the cache that exists nowhere else, so the editor never loses text:
it saves a draft half a second after each change (restored the next time the editor opens
for that student and note), keeps everything typed when a save fails, and asks before closing
with unsaved changes. Every store call runs in a worker (``caseload.tui.notes_flow``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.selection_list import Selection

from caseload.domain.notes import Note, NoteStatus, NoteType
from caseload.domain.report import Flag
from caseload.tui import messages, notes_flow
from caseload.tui.format import DASH, parse_date, plural
from caseload.tui.safe import clean, literal
from caseload.tui.widgets.key_table import OpenableTable

if TYPE_CHECKING:
    from caseload.tui.app import CaseloadApp

AUTOSAVE_SECONDS = 0.5
FORMATS = {"md": "Markdown", "csv": "CSV (spreadsheet)", "json": "JSON",
           "pdf": "PDF student summary"}


def _flag_key(code: str, class_id: str | None) -> str:
    return f"{code}|{class_id or ''}"


def _split_key(key: str) -> tuple[str, str | None]:
    code, _, class_id = key.partition("|")
    return code, class_id or None


class ConfirmModal(ModalScreen[str]):
    """A question with buttons; answers the pressed button's id (escape: the first one)."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer_first", "Cancel", id="confirm.cancel",
                tooltip="Close without doing anything"),
    ]

    def __init__(self, question: str, choices: Sequence[tuple[str, str]],
                 *, danger: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.choices = list(choices)  # (id, label); the first is the safe answer
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(literal(self.question, multiline=True), id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                for choice_id, label in self.choices:
                    if choice_id == self.danger:
                        yield Button(label, id=choice_id, variant="error")
                    else:
                        yield Button(label, id=choice_id)

    def on_mount(self) -> None:
        self.query_one(f"#{self.choices[0][0]}", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or self.choices[0][0])

    def action_answer_first(self) -> None:
        self.dismiss(self.choices[0][0])


class NoteEditor(ModalScreen[Note | None]):
    """Write or edit one note about one student; dismisses with the saved note (None: closed)."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="note.save",
                tooltip="Save the note"),
        Binding("escape", "close", "Close", id="note.close",
                tooltip="Close the editor (asks first when there are unsaved changes)"),
    ]

    def __init__(
        self, student_id: str, student_name: str, flags: list[Flag], *, author_id: str,
        as_of: dt.date, note: Note | None = None,
    ) -> None:
        super().__init__()
        self.student_id = student_id
        self.student_name = student_name
        self.flags = flags
        self.author_id = author_id
        self.as_of = as_of
        self.note = note
        self.note_id = note.id if note else None
        self.saved = False
        self.saving = False
        self._timer: Timer | None = None
        self._drafted: dict[str, Any] | None = None  # the payload last sent as a draft
        self._ready = False  # fields filled (changes before this are the editor's own)
        self.pristine = self._payload_of(note)

    @property
    def caseload_app(self) -> CaseloadApp:
        return self.app  # type: ignore[return-value]

    # -- the fields as a payload ---------------------------------------------------------------

    def _payload_of(self, note: Note | None) -> dict[str, Any]:
        if note is None:
            return {"contact_date": self.as_of.isoformat(), "type": NoteType.STUDENT_MEETING.value,
                    "status": NoteStatus.OPEN.value, "flags": [], "text": "", "follow_up": ""}
        keys = []
        for code in note.flags:
            matching = [f for f in self.flags if f.code.value == code
                        and (note.class_id is None or f.class_id in (None, note.class_id))]
            klass = matching[0].class_id if matching else note.class_id
            keys.append(_flag_key(code, klass))
        return {"contact_date": note.contact_date.isoformat(), "type": note.type.value,
                "status": note.status.value, "flags": keys, "text": note.text,
                "follow_up": note.follow_up.isoformat() if note.follow_up else ""}

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
        }

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
        flags = self.query_one("#note-flags", SelectionList)
        flags.deselect_all()
        wanted = {str(k) for k in payload.get("flags") or []}
        for key, _label in self._flag_options():
            if key in wanted:
                flags.select(key)
        self.query_one("#note-text", TextArea).text = str(payload.get("text") or "")
        self.query_one("#note-follow-up", Input).value = str(payload.get("follow_up") or "")

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        title = Text("Edit note" if self.note else "New note", style="bold", end="")
        title.append(" about ")
        title.append_text(literal(self.student_name, style="bold"))
        with Vertical(classes="dialog", id="note-editor"):
            yield Static(title, id="note-title")
            with Horizontal(classes="note-row"):
                yield Label("Date", classes="note-label")
                yield Input(placeholder="YYYY-MM-DD", id="note-contact", compact=True,
                            max_length=10)
                yield Label("Type", classes="note-label")
                yield Select([(t.words, t.value) for t in NoteType], allow_blank=False,
                             value=NoteType.STUDENT_MEETING.value, id="note-type", compact=True)
                yield Label("Status", classes="note-label")
                yield Select([("Open", NoteStatus.OPEN.value), ("Done", NoteStatus.DONE.value)],
                             allow_blank=False, value=NoteStatus.OPEN.value, id="note-status",
                             compact=True)
            yield Label("Flags this note addresses (space to check):", classes="note-caption")
            options = self._flag_options()
            yield SelectionList[str](*(Selection(label, key) for key, label in options),
                                     id="note-flags", compact=True)
            if not options:
                yield Static(Text("No current flags", end=""), id="note-no-flags")
            yield TextArea(id="note-text", soft_wrap=True, tab_behavior="focus",
                           placeholder="What happened, what was agreed, next steps…")
            with Horizontal(classes="note-row"):
                yield Label("Follow up on", classes="note-label")
                yield Input(placeholder="YYYY-MM-DD (optional)", id="note-follow-up",
                            compact=True, max_length=10)
                yield Static(Text("", end=""), id="note-draft-status")
            yield Static(Text("", end=""), id="note-error")
            yield Static(Text("ctrl+s save · esc close · tab next field · drafts save as you "
                              "type", end=""), classes="dialog-help")

    def on_mount(self) -> None:
        if not self._flag_options():
            self.query_one("#note-flags").display = False
        self.fill(self.pristine)
        self._drafted = self._normalized(self.pristine)
        self.query_one("#note-text", TextArea).focus()
        notes_flow.load_draft(self.caseload_app, self, self.author_id, self.student_id,
                              self.note_id)

    def on_draft_loaded(self, message: messages.DraftLoaded) -> None:
        draft = message.draft
        if draft is not None and not self.dirty:
            payload = {**self.pristine, **draft.payload}
            if self._normalized(payload) != self._normalized(self.pristine):
                self.fill(payload)
                self._drafted = self._normalized(payload)
                when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
                self._set_draft_status(f"Recovered the unsaved draft from {when}")
        self.call_after_refresh(self._set_ready)

    def _set_ready(self) -> None:
        self._ready = True

    # -- autosave ------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    def changed(self) -> None:
        if not self._ready or self.saved:
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
        self._drafted = payload
        pristine = payload == self._normalized(self.pristine)
        notes_flow.save_draft(self.caseload_app, self, self.author_id, self.student_id,
                              self.note_id, None if pristine else payload,
                              lambda: not self.saved)
        self._set_draft_status("" if pristine else "Draft saved")

    def _set_draft_status(self, text: str) -> None:
        self.query_one("#note-draft-status", Static).update(Text(text, end=""))

    # -- saving --------------------------------------------------------------------------------

    def validate(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The store's fields, or the problem to show (and the field to focus)."""
        try:
            contact = parse_date(payload["contact_date"])
        except ValueError:
            return None, "#note-contact:Type the contact date as YYYY-MM-DD."
        follow_up: dt.date | None = None
        if payload["follow_up"]:
            try:
                follow_up = parse_date(payload["follow_up"])
            except ValueError:
                return None, ("#note-follow-up:Type the follow-up date as YYYY-MM-DD, "
                              "or leave it empty.")
            if follow_up < contact:
                return None, "#note-follow-up:The follow-up date is before the contact date."
        if not payload["text"].strip():
            return None, "#note-text:Write what happened before saving."
        codes: list[str] = []
        class_id: str | None = None
        for key in payload["flags"]:
            code, klass = _split_key(key)
            if code not in codes:
                codes.append(code)
            if class_id is None and klass:
                class_id = klass
        return {"contact_date": contact, "type": payload["type"], "status": payload["status"],
                "flags": codes, "class_id": class_id, "text": payload["text"],
                "follow_up": follow_up}, None

    def show_error(self, text: str) -> None:
        self.query_one("#note-error", Static).update(literal(text, multiline=True))

    def action_save(self) -> None:
        if self.saving or self.saved:
            return
        fields, problem = self.validate(self.payload())
        if problem is not None or fields is None:
            selector, _, text = (problem or "").partition(":")
            self.show_error(text)
            for widget in self.query(selector):
                widget.focus()
            return
        self.show_error("")
        self.saving = True
        self._set_draft_status("Saving…")
        notes_flow.save_note(self.caseload_app, self, student_id=self.student_id,
                             author_id=self.author_id, note=self.note, fields=fields)

    def on_note_saved(self, message: messages.NoteSaved) -> None:
        self.saved = True
        self.saving = False
        if self._timer is not None:
            self._timer.stop()
        self.dismiss(message.note)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group != "note-save":
            return
        self.saving = False
        self._set_draft_status("Not saved (your text is kept)")
        if "changed elsewhere" in message.error:
            self.show_error("Not saved: this note was changed elsewhere since you opened it. "
                            "Your text is kept here and in the draft; copy it, close, and open "
                            "the note again.")
        else:
            self.show_error(f"Not saved: {message.error}")

    # -- closing -------------------------------------------------------------------------------

    def action_close(self) -> None:
        if self.saving:
            return
        if not self.dirty:
            self.save_draft_now()  # drops a recovered draft the counselor undid
            self.dismiss(None)
            return

        def answer(choice: str | None) -> None:
            if choice == "keep":
                self.save_draft_now()
                self.dismiss(None)
            elif choice == "discard":
                self.saved = True  # no autosave after this
                if self._timer is not None:
                    self._timer.stop()
                notes_flow.discard_draft(self.caseload_app, self.app, self.author_id,
                                         self.student_id, self.note_id)
                self.dismiss(None)

        self.app.push_screen(ConfirmModal(
            "This note has unsaved changes. Close the editor?\n"
            "Keep the draft: it comes back the next time you write this note.",
            [("stay", "Keep editing"), ("keep", "Close, keep draft"),
             ("discard", "Discard changes")],
            danger="discard"), answer)


class FollowUpsScreen(Screen[None]):
    """Open notes whose follow-up date is on or before the as-of date, oldest first."""

    CSS_PATH = "notes.tcss"
    AUTO_FOCUS = "#followups"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="nav.back",
                tooltip="Go back to the caseload"),
        Binding("n", "write_note", "Note", id="followups.note",
                tooltip="Write a note about the selected note's student"),
        Binding("d", "mark_done", "Done", id="followups.done",
                tooltip="Mark the selected note done (it leaves the follow-ups)"),
        Binding("r", "reload", "Reload", show=False, id="followups.reload",
                tooltip="Read the follow-ups again"),
    ]

    def __init__(self) -> None:
        super().__init__(id="followups-screen")
        self.notes: list[Note] = []
        self.names: dict[str, str] = {}
        self.loaded = False

    @property
    def caseload_app(self) -> CaseloadApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Loading…", end=""), id="followups-status")
        table = OpenableTable(id="followups")
        for label, key in (("Follow-up", "follow_up"), ("Overdue", "overdue"),
                           ("Student", "student"), ("Type", "type"), ("Contact", "contact"),
                           ("Note", "text")):
            table.add_column(label, key=key)
        yield table
        with VerticalScroll(id="followup-full"):
            yield Static(Text("", end=""), id="followup-full-text")
        yield Footer()

    def on_mount(self) -> None:
        app = self.caseload_app
        self.title = "Follow-ups"
        self.sub_title = f"{clean(app.counselor_name)} · due by {app.as_of.isoformat()}"
        self.reload()

    def reload(self) -> None:
        app = self.caseload_app
        self.sub_title = f"{clean(app.counselor_name)} · due by {app.as_of.isoformat()}"
        notes_flow.load_follow_ups(app, self)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_follow_ups_loaded(self, message: messages.FollowUpsLoaded) -> None:
        self.notes = message.notes
        self.loaded = True
        table = self.query_one("#followups", OpenableTable)
        table.clear()
        for note in message.notes:
            assert note.follow_up is not None
            overdue = (message.as_of - note.follow_up).days
            table.add_row(
                Text(note.follow_up.isoformat()),
                Text("due today" if overdue == 0 else f"{plural(overdue, 'day')}",
                     justify="right"),
                literal(message.names.get(note.student_id, note.student_id)),
                Text(note.type.words),
                Text(note.contact_date.isoformat()),
                literal(first_line(note.text, 40)),
                key=str(note.id),
            )
        self.names = message.names
        self._show_full()
        status = (
            f"{plural(len(message.notes), 'open follow-up')} due by "
            f"{message.as_of.isoformat()}, oldest first · Enter opens the student"
            if message.notes else
            f"No open follow-ups due on or before {message.as_of.isoformat()}"
        )
        self.query_one("#followups-status", Static).update(Text(status, end=""))

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group == "note-save":
            self.app.notify(f"Not saved: {message.error}", title="Notes", severity="error",
                            markup=False)
            return
        self.query_one("#followups-status", Static).update(
            literal(f"Could not load the follow-ups: {message.error}"))

    def action_write_note(self) -> None:
        note = self.selected_note
        if note is None:
            self.app.notify("No follow-up selected.", severity="warning", markup=False)
            return
        name = self.names.get(note.student_id, note.student_id)
        notes_flow.write_note_for(self.caseload_app, note.student_id, name)

    def action_mark_done(self) -> None:
        note = self.selected_note
        if note is not None:
            notes_flow.mark_done(self.caseload_app, self, note)

    def on_note_saved(self, message: messages.NoteSaved) -> None:
        name = self.names.get(message.note.student_id, message.note.student_id)
        self.app.notify(f"Follow-up for {name} marked done", markup=False)
        notes_flow.notes_changed(self.caseload_app, message.note.student_id)

    @property
    def selected_note(self) -> Note | None:
        table = self.query_one("#followups", OpenableTable)
        row = table.cursor_row
        return self.notes[row] if self.notes and 0 <= row < len(self.notes) else None

    def _show_full(self) -> None:
        note = self.selected_note
        text = Text(end="")
        if note is not None:
            text.append_text(literal(self.names.get(note.student_id, note.student_id),
                                     style="bold"))
            text.append(f" · {note.contact_date.isoformat()} · {note.type.words}\n")
            text.append_text(literal(note.text, multiline=True))
        self.query_one("#followup-full-text", Static).update(text)

    @on(DataTable.RowHighlighted, "#followups")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_full()

    @on(DataTable.RowSelected, "#followups")
    def open_student(self, event: DataTable.RowSelected) -> None:
        event.stop()
        for note in self.notes:
            if str(note.id) == event.row_key.value:
                self.caseload_app.open_student(note.student_id)
                return


def first_line(text: str, width: int = 60) -> str:
    """The note's first non-empty line, cut to ``width`` with an ellipsis."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    more = len(line) > width or len([p for p in text.splitlines() if p.strip()]) > 1
    if len(line) > width:
        line = line[: width - 1].rstrip()
    return f"{line}…" if more else line or DASH


def default_export_dir() -> Path:
    """Where exports go unless the counselor types another path: ``~/Documents`` when it
    exists, else the current directory."""
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.cwd()


def shown_path(path: Path) -> str:
    """``path`` as typed back to the counselor: ``~/…`` under the home folder."""
    try:
        return f"~/{path.relative_to(Path.home()).as_posix()}"
    except ValueError:
        return str(path)


class ExportModal(ModalScreen[Any]):
    """Choose scope, dates, format and file; dismisses with the audit entry (None: cancelled)."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel",
                tooltip="Close without exporting"),
        Binding("ctrl+s", "export", "Export", priority=True, id="export.run",
                tooltip="Write the export"),
    ]

    def __init__(self, *, student_id: str | None, student_name: str, counselor_id: str | None,
                 counselor_name: str, as_of: dt.date) -> None:
        super().__init__()
        self.student_id = student_id
        self.student_name = student_name
        self.counselor_id = counselor_id
        self.counselor_name = counselor_name
        self.as_of = as_of
        self.running = False
        self._auto_path = ""

    @property
    def caseload_app(self) -> CaseloadApp:
        return self.app  # type: ignore[return-value]

    def scopes(self) -> list[tuple[str, str]]:
        scopes: list[tuple[str, str]] = []
        if self.student_id is not None:
            scopes.append(("student", f"This student: {clean(self.student_name)}"))
        if self.counselor_id is not None:
            scopes.append(("caseload", f"Caseload of {clean(self.counselor_name)}"))
        else:
            scopes.append(("caseload", "All students"))
        return scopes

    def compose(self) -> ComposeResult:
        scopes = self.scopes()
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(Text("Export notes", style="bold", end=""), classes="dialog-title")
            with Horizontal(classes="note-row"):
                yield Label("Scope", classes="export-label")
                yield Select([(Text(label, end=""), key) for key, label in scopes],
                             allow_blank=False, value=scopes[0][0], id="export-scope",
                             compact=True)
            with Horizontal(classes="note-row"):
                yield Label("Format", classes="export-label")
                yield Select([(label, key) for key, label in FORMATS.items()],
                             allow_blank=False, value="md", id="export-format", compact=True)
            with Horizontal(classes="note-row"):
                yield Label("From", classes="export-label")
                yield Input(placeholder="YYYY-MM-DD (optional)", id="export-since",
                            compact=True, max_length=10)
                yield Label("to", classes="export-label-short")
                yield Input(placeholder="YYYY-MM-DD (optional)", id="export-until",
                            compact=True, max_length=10)
            with Horizontal(classes="note-row"):
                yield Label("File", classes="export-label")
                yield Input(id="export-path", compact=True)
            yield Static(Text("The file is readable by you only; the export is recorded in "
                              "the audit log.", end=""), classes="dialog-help")
            yield Static(Text("", end=""), id="export-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self._update_path()
        self.query_one("#export-format", Select).focus()

    def _choice(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return str(value) if value is not Select.NULL else ""

    def default_path(self) -> str:
        fmt = self._choice("#export-format") or "md"
        if self._choice("#export-scope") == "student" and self.student_id is not None:
            scope = self.student_id
        else:
            scope = self.counselor_id or "all"
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in scope)
        return shown_path(default_export_dir() / f"caseload-notes-{safe}-"
                                                 f"{self.as_of.isoformat()}.{fmt}")

    @on(Select.Changed)
    def _update_path(self) -> None:
        path = self.query_one("#export-path", Input)
        if path.value in ("", self._auto_path):
            self._auto_path = self.default_path()
            path.value = self._auto_path

    def show_error(self, text: str) -> None:
        self.query_one("#export-error", Static).update(literal(text))

    @on(Input.Submitted)
    @on(Button.Pressed, "#export-run")
    def action_export(self) -> None:
        if self.running:
            return
        dates: list[dt.date | None] = []
        for selector, what in (("#export-since", "from"), ("#export-until", "to")):
            text = self.query_one(selector, Input).value.strip()
            if not text:
                dates.append(None)
                continue
            try:
                dates.append(parse_date(text))
            except ValueError:
                self.show_error(f"Type the {what} date as YYYY-MM-DD, or leave it empty.")
                self.query_one(selector, Input).focus()
                return
        since, until = dates
        if since and until and until < since:
            self.show_error("The to date is before the from date.")
            return
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.show_error("Type the file to write.")
            return
        student = self.student_id if self._choice("#export-scope") == "student" else None
        self.running = True
        self.show_error("")
        notes_flow.export_notes(self.caseload_app, self, notes_flow.ExportRequest(
            fmt=self._choice("#export-format") or "md", path=path, student_id=student,
            counselor_id=None if student else self.counselor_id, since=since, until=until))

    def on_notes_exported(self, message: messages.NotesExported) -> None:
        self.running = False
        self.dismiss(message.entry)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        self.running = False
        self.show_error(f"Not exported: {message.error}")

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)


class RevisionsModal(ModalScreen[None]):
    """A note's history: the note as it stands, then each prior version, newest first."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v", "close", "Close", id="revisions.close",
                tooltip="Close the history"),
    ]

    def __init__(self, note: Note, student_name: str) -> None:
        super().__init__()
        self.note = note
        self.student_name = student_name

    @property
    def caseload_app(self) -> CaseloadApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        title = Text("History of a note about ", style="bold", end="")
        title.append_text(literal(self.student_name, style="bold"))
        with Vertical(classes="dialog", id="revisions-dialog"):
            yield Static(title, classes="dialog-title")
            with VerticalScroll(id="revisions-scroll"):
                yield Static(Text("Loading…", end=""), id="revisions-text")
            yield Static(Text("esc close", end=""), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#revisions-scroll").focus()
        notes_flow.load_revisions(self.caseload_app, self, self.note)

    def on_revisions_loaded(self, message: messages.RevisionsLoaded) -> None:
        text = Text(end="")
        versions = [(message.note, None)] + [
            (rev.note, rev.replaced_at) for rev in reversed(message.revisions)]
        for index, (note, replaced) in enumerate(versions):
            if index:
                text.append("\n\n")
            head = f"Revision {note.revision}"
            head += " (current)" if replaced is None else (
                f" (replaced {replaced.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC)")
            text.append(head, style="bold")
            text.append(f"\n{note.contact_date.isoformat()} · {note.type.words} · "
                        f"{note.status.value}")
            if note.follow_up:
                text.append(f" · follow up {note.follow_up.isoformat()}")
            if note.flags:
                text.append(" · ")
                text.append_text(literal(" ".join(note.flags)))
            text.append("\n")
            text.append_text(literal(note.text, multiline=True))
        if not message.revisions:
            text.append("\n\nNever edited: there are no earlier versions.", style="italic")
        self.query_one("#revisions-text", Static).update(text)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        self.query_one("#revisions-text", Static).update(
            literal(f"Could not load the history: {message.error}"))

    def action_close(self) -> None:
        self.dismiss(None)
