"""File dialogs that start in the contest's folder and never open the files they list.

Every file dialog of the app goes through here, for two reasons:

- **Where they start.** Venue staff keep a contest's spreadsheets, PDFs and results files beside
  the contest file, so a dialog starts there (or in the folder last used for that purpose).
- **They must not open the contest file.** Qt's file dialog (and GTK's) opens each file it
  lists to guess its type for the icon. Closing that descriptor drops every POSIX lock the
  process holds on the file, including SQLite's; the next ``jiangxin`` command run from a
  terminal then believes it is the file's last user, checkpoints, deletes its -wal and -shm,
  and the app's later writes go nowhere (issue 17; db/store/identity.py tells the rest). So
  dialogs here are Qt's own (never the platform's) with an icon provider that looks at names
  only.
"""

from __future__ import annotations

from pathlib import Path

from ui.qt import QFileDialog, QFileIconProvider, QFileInfo, QIcon, QWidget

_start: dict[str, Path] = {}  # the folder last used, per purpose, for this run


class NameOnlyIcons(QFileIconProvider):
    """Icons and type names from the file name alone: no file is opened to guess its type."""

    def icon(self, what: QFileInfo | QFileIconProvider.IconType) -> QIcon:
        if isinstance(what, QFileInfo):
            kind = (QFileIconProvider.IconType.Folder if what.isDir()
                    else QFileIconProvider.IconType.File)
            return super().icon(kind)
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "Folder"
        suffix = info.suffix()
        return f"{suffix.upper()} file" if suffix else "File"


_ICONS: NameOnlyIcons | None = None


def _icons() -> NameOnlyIcons:
    global _ICONS
    if _ICONS is None:
        _ICONS = NameOnlyIcons()
    return _ICONS


def contest_folder(widget: QWidget | None = None) -> Path | None:
    """The folder of the contest open in the window that holds ``widget`` (or any)."""
    from ui.state import AppState

    w: object = widget
    while w is not None:
        state = getattr(w, "state", None)
        if isinstance(state, AppState) and state.contest is not None:
            return state.contest.path.resolve().parent
        w = w.parent() if isinstance(w, QWidget) else None
    return AppState.last_folder


def start_folder(parent: QWidget | None, purpose: str, suggested: str | Path = "") -> str:
    """Where a dialog for ``purpose`` starts: the folder last used for it in this run, else
    the contest's folder; a suggested file name is put in that folder."""
    folder = _start.get(purpose) or contest_folder(parent) or Path.home()
    if suggested:
        s = Path(suggested)
        return str(s if s.is_absolute() else folder / s)
    return str(folder)


def make_dialog(parent: QWidget | None, title: str, purpose: str, filters: str = "",
                suggested: str | Path = "") -> QFileDialog:
    """A Qt file dialog that starts in :func:`start_folder` and opens no listed file."""
    dialog = QFileDialog(parent, title, start_folder(parent, purpose, suggested), filters)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setIconProvider(_icons())
    dialog.setObjectName(f"file-dialog-{purpose}")
    dialog.fileSelected.connect(lambda path, p=purpose: remember(p, path))
    return dialog


def remember(purpose: str, path: str) -> None:
    if path:
        p = Path(path)
        _start[purpose] = p if p.is_dir() else p.parent


def _run(dialog: QFileDialog) -> list[str]:
    if dialog.exec() != QFileDialog.DialogCode.Accepted:
        return []
    return dialog.selectedFiles()


def open_file(parent: QWidget | None, title: str, filters: str = "", *,
              purpose: str = "open") -> str:
    """Choose an existing file; '' when cancelled."""
    dialog = make_dialog(parent, title, purpose, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    files = _run(dialog)
    return files[0] if files else ""


def open_files(parent: QWidget | None, title: str, filters: str = "", *,
               purpose: str = "open") -> list[str]:
    """Choose several existing files; [] when cancelled."""
    dialog = make_dialog(parent, title, purpose, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def save_file(parent: QWidget | None, title: str, suggested: str | Path = "",
              filters: str = "", *, purpose: str = "save") -> str:
    """Choose where to write a file (asks before replacing one); '' when cancelled."""
    dialog = make_dialog(parent, title, purpose, filters, suggested)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    files = _run(dialog)
    return files[0] if files else ""


def folder(parent: QWidget | None, title: str, *, purpose: str = "folder") -> str:
    """Choose a folder; '' when cancelled."""
    dialog = make_dialog(parent, title, purpose)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    files = _run(dialog)
    return files[0] if files else ""
