"""The release-package API family (package pending items, list, detail, deploy, cancel): values and parsers,
calls, flows (at most once), the release watch of the event trigger, and the sensor condition."""
