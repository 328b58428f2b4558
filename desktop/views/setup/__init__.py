"""The permit set-up desk: lots, permit types, prices and office settings (managers)."""
