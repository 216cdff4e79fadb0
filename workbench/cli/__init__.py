"""The ``workbench`` command and the Voila server it starts: the top layer, which may import any other."""
