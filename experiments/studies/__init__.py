"""Studies of the model as a whole: calibration to the plan's known numbers, and the
validation figures of docs/VALIDATION.md."""
