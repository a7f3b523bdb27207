"""The partnership's transparency tool: where information flows, where it stops and why, fit to publish."""
