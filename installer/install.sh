#!/usr/bin/env sh
# Per-user installation: a private virtualenv and, on Linux, a menu entry.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
target="${XDG_DATA_HOME:-$HOME/.local/share}/ParkDesk/app"
python3 -m venv "$target"
"$target/bin/python" -m pip install --quiet --upgrade pip
"$target/bin/python" -m pip install --quiet "$here"
if [ "$(uname -s)" = "Linux" ]; then
    apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
    mkdir -p "$apps"
    sed "s|@PARKDESK@|$target/bin/parkdesk|" "$here/installer/parkdesk.desktop" > "$apps/parkdesk.desktop"
fi
echo "ParkDesk installed: $target/bin/parkdesk"
