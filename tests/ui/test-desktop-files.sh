#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test-desktop-files.sh DESKTOP_FILE METAINFO_FILE: the desktop integration as Debian's own
# validators see it (desktop-file-utils, appstream).
set -u

for tool in desktop-file-validate appstreamcli; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAILED: $tool is not installed (scripts/deps.sh installs it)"
		exit 1
	fi
done
status=0
desktop-file-validate "$1" || status=1
appstreamcli validate --no-net "$2" || status=1
exit $status
