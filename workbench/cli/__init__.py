"""The scriptable command-line face of the workbench (`workbench ...`)."""
