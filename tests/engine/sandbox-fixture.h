/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the sandbox tests (they run as root: real containers through the engine's runtime
 * API). The rootfs is busybox and its applets in a temporary folder, a "lower" layer owned by
 * root as the store unpacks them. Container root is host uid TEST_UID_BASE. Every command run
 * in a container starts with GUARD, which proves it runs in the container (a marker only the
 * test rootfs has, and no /etc/debian_version, which the host has) before anything that
 * changes files. */
#include "test-support.h"

#include "pier-sandbox-log.h"
#include "pier-sandbox.h"

#define TEST_UID_BASE 2000000000u
#define MARKER "pier-test-marker"
#define GUARD "[ -e /" MARKER " ] && [ ! -e /etc/debian_version ] || exit 99; "

/* Like every other suite, these fail when they cannot run: a skip would pass. */
#define REQUIRE_ROOT()                                                                          \
  if (geteuid () != 0)                                                                           \
    {                                                                                            \
      fail_msg ("%s needs root (namespaces, mounts, cgroups): run the tests as root", __func__); \
      return;                                                                                    \
    }

typedef struct {
  char *base;
  char *lower;
  GPtrArray *state_dirs; /* stopped and cleaned at teardown */
  int counter;
} Fixture;

/* The rootfs: busybox and its applets, the guard's marker, and /evil → /proc/sys (for the test
 * that an image cannot aim a mount there). */
gboolean fixture_make_busybox_layer (const char *dir, GError **error);
/* PIER_MONITOR_PATH, unless set, is this build's app/pier-monitor. */
void fixture_use_build_tree_monitor (void);
int fixture_setup (void **state);
int fixture_teardown (void **state);

void fixture_wait_monitor_gone (pid_t pid);
char *fixture_random_id (void);
/* A container running `sh -c GUARD script`, with its own sandbox layer under @fx->base. */
PierSandboxSpec *fixture_new_spec (Fixture *fx, const char *script);
void fixture_start_ok (const PierSandboxSpec *spec, PierSandboxStartFlags flags,
                       PierSandboxStartInfo *info);
/* Starts, waits for the exit and for the monitor's teardown; returns the exit code. */
int fixture_run_to_exit (const PierSandboxSpec *spec);

typedef struct {
  GString *out, *err;
  int entries;
} LogText;

gboolean fixture_collect_log (const PierLogEntry *entry, gpointer data);
/* The container's stdout as logged. */
char *fixture_log_stdout (const PierSandboxSpec *spec);
char *fixture_run_for_stdout (Fixture *fx, const char *script, int expected_code);

typedef struct {
  int conn, in, out, err;
  gboolean tty;
  int code;
  gboolean ok;
  char *message;
} Relay;

/* Runs @exec in the running container of @spec, its stdout and stderr together returned; its
 * exit code to @code. */
char *fixture_exec_output (const PierSandboxSpec *spec, const PierExecSpec *exec, int *code);

/* Runs pier_sandbox_attach_relay() with a Relay's fields. */
gpointer fixture_relay_thread (gpointer data);
char *fixture_read_all_fd (int fd);
/* Reads from @fd until @needle appears (or 10 s pass). */
gboolean fixture_read_until (int fd, GString *acc, const char *needle);
