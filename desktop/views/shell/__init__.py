"""The shell: the login window and the main window that hosts the desks."""
