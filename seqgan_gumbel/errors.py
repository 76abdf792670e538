"""The one exception type for mistakes a user can fix (bad file, flag, config, checkpoint)."""


class UserError(Exception):
    """A problem the user caused; the command line prints it as one line and exits with 2."""
