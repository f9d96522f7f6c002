/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-connections.h"
#include "pier-local-engine.h"

G_BEGIN_DECLS

/* pierctl: Docker's verbs and flags over the engine. Each verb parses its own options, calls
 * the engine and prints; a failure is one line on stderr and a non-zero exit. */

typedef struct {
  char *root;
  char *runroot;
  PierEngine *engine;
  const char *verb;
  /* The connection the verb runs against, unless it is the embedded engine (NULL). */
  char *connection;
} PierCli;

typedef int (*PierCliVerbFunc) (PierCli *cli, int argc, char **argv, GError **error);

typedef enum {
  /* The verb asks no engine (it manages connections): none is chosen nor readied for it. */
  PIER_CLI_VERB_NO_ENGINE = 1 << 0,
} PierCliVerbFlags;

typedef struct {
  const char *name;
  PierCliVerbFunc run;
  const char *summary; /* N_(): translated where it is shown */
  PierCliVerbFlags flags;
} PierCliVerb;

/* Runs pierctl; the program's main has called pier_i18n_init(), which set the user's locale. */
int pier_cli_main (int argc, char **argv);

/* The engine of the connection chosen (--connection, $PIER_CONNECTION, the saved default), or,
 * for the embedded engine, the one on the store the global options name, made on first use
 * (after the verb parsed its options, which may name the store too). */
PierEngine *pier_cli_get_engine (PierCli *cli);

/* Parses @argv for a verb: its @entries plus the global ones (--root, --runroot). With
 * @stop_at_first_argument, options after the first positional argument belong to it
 * (`run IMAGE ls -l`). Leaves the positional arguments in argv[1..]. @summary and the entries'
 * descriptions are N_() strings, translated when --help shows them; the synopses (@parameters,
 * the entries' argument names, pier_cli_expect_args' @usage) stay as written: they show what is
 * typed (NAME[:TAG], K=V), not words. */
gboolean pier_cli_parse (PierCli *cli, int *argc, char ***argv, const char *parameters,
                         const char *summary, const GOptionEntry *entries,
                         gboolean stop_at_first_argument, GError **error);

/* "pierctl VERB: message", naming the connection when it is not the embedded engine. */
void pier_cli_print_error (PierCli *cli, const GError *error);

/* "NAME: needs N arguments" style errors. */
gboolean pier_cli_expect_args (PierCli *cli, int argc, int min, int max, const char *usage,
                               GError **error);

/* The verbs, one table per file. */
extern const PierCliVerb pier_cli_container_verbs[];
extern const PierCliVerb pier_cli_process_verbs[];

/* `ps --processes`: every host process with the container it belongs to. */
int pier_cli_ps_processes (PierCli *cli, const char *format, GError **error);
extern const PierCliVerb pier_cli_image_verbs[];
extern const PierCliVerb pier_cli_archive_verbs[];
extern const PierCliVerb pier_cli_registry_verbs[];
extern const PierCliVerb pier_cli_build_verbs[];
extern const PierCliVerb pier_cli_gui_verbs[];
extern const PierCliVerb pier_cli_connection_verbs[];

G_END_DECLS
