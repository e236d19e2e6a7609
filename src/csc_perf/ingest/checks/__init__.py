"""The checks validation runs, one small function per stable code where the code's logic
is separable, registered with its severity and meaning in :mod:`.registry`."""
