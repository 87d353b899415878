"""The desktop application; the only package that uses Qt, imported through ui/qt.py alone."""
