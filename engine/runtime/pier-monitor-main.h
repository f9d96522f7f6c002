/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

G_BEGIN_DECLS

/* pier-monitor: the parent of one container's init, for the container's whole life (Podman's
 * conmon). Started by pier_sandbox_start() as
 *
 *   pier-monitor [--report-fd N] [--attach-fd N] [--owner-fd N] STATE_DIR
 *
 * it detaches (a session of its own, one more fork so it is not its caller's child), reads
 * STATE_DIR/config.json, creates the container, reports on the report descriptor ("ok ..." or
 * "error CODE MESSAGE" lines, preceded by "warning ..." lines), then logs the command's
 * output, serves attach connections, records the exit status, tears the cgroup and network
 * down and calls @on_exit with the spec's on_exit words (unless on_exit_unless_held says the
 * caller does that work itself). SIGTERM, SIGINT and SIGHUP sent to the monitor are
 * passed on to the init. With --owner-fd (a pidfd of the process the container belongs to),
 * the container is killed as soon as that process is gone, and STATE_DIR removed after the
 * teardown. */
typedef void (*PierMonitorExitFunc) (const char *const *words);
int pier_monitor_main (int argc, char **argv, PierMonitorExitFunc on_exit);

G_END_DECLS
