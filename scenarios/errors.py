"""The one error type for bad input: the CLI turns it into a message and exit status 2."""


class ScenarioError(ValueError):
    """Bad input that the user can fix; the message names the field or the file."""
