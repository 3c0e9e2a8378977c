"""Live BLE acquisition: a bleak collector and a bleak backend on bumble's virtual link."""
