"""Every write of the import and export: the UI, the command line and the worker call these."""

from crm.imports.services.exporting import export_run, export_start
from crm.imports.services.importing import (
    Report,
    import_configure,
    import_file,
    import_run,
    import_start,
    import_test_run,
    import_undo,
    import_upload,
)
from crm.imports.services.submitting import import_submit
from crm.imports.services.templates import (
    template_apply,
    template_delete,
    template_save,
    template_save_from,
)

__all__ = [
    "Report",
    "export_run",
    "export_start",
    "import_configure",
    "import_file",
    "import_run",
    "import_start",
    "import_submit",
    "import_test_run",
    "import_undo",
    "import_upload",
    "template_apply",
    "template_delete",
    "template_save",
    "template_save_from",
]
