"""A small fresh file system for one command (the `on_own_mount` fixture): a real EROFS or ENOSPC without root."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

MOUNT_SCRIPT = """set -e
mount -t tmpfs -o size=64k tmpfs "$MOUNT_AT"
for folder in $MAKE_FOLDERS; do mkdir -p -m 700 "$MOUNT_AT/$folder"; done
if [ "$FILL" = 1 ]; then (cat /dev/zero > "$MOUNT_AT/filler") 2>/dev/null || true; fi
if [ "$READ_ONLY" = 1 ]; then mount -o remount,ro,size=64k "$MOUNT_AT"; fi
exec "$@"
"""

RunOnMount = Callable[..., subprocess.CompletedProcess[str]]
