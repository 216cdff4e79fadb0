"""Altair, imported without the IRI grammar that jsonschema would build at import.

jsonschema (under Altair) imports ``rfc3987_syntax`` when it is installed (Jupyter installs it),
and that module builds an Earley grammar for IRIs at import. Under CPython 3.11 the build can
thrash the interpreter's frame-stack chunks (an mmap and a munmap per call, 765,000 of each) when
the import happens at an unlucky depth of the call stack: importing a dashboard's widgets took 8.5
s in a plain interpreter (1.7 s without the grammar). In a kernel's first cell the build does not
thrash but still costs: 2.7 s to import them, 1.3 s without it. Nothing here validates the "iri"
formats it serves, and jsonschema skips those checks when the module cannot be imported, which a
``None`` entry in ``sys.modules`` makes so (a process that imported it already keeps it). Import
Altair from here, before anything else imports jsonschema.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)

import altair  # noqa: E402 - after the guard above

__all__ = ["altair"]
