# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the UI test scripts.

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s; fails when SECONDS pass first.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}
