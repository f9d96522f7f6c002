/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl run, create, start, stop, kill, restart, wait, rm, ps, logs, exec. */
#include "pier-cli.h"
#include "pier-cli-format.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-quantity.h"
#include "pier-signal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Docker's exit codes when the container itself never ran its command. */
#define EXIT_PIER_FAILED 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

typedef struct {
  gboolean detach, interactive, tty, remove;
  char *name, *hostname, *workdir, *user, *network, *memory, *cpus, *pids_limit;
  char **env, **volumes, **cap_add, **cap_drop, **security_opt;
} RunFlags;

static void
run_flags_clear (RunFlags *f)
{
  g_free (f->name);
  g_free (f->hostname);
  g_free (f->workdir);
  g_free (f->user);
  g_free (f->network);
  g_free (f->memory);
  g_free (f->cpus);
  g_free (f->pids_limit);
  g_strfreev (f->env);
  g_strfreev (f->volumes);
  g_strfreev (f->cap_add);
  g_strfreev (f->cap_drop);
  g_strfreev (f->security_opt);
}

static gboolean
options_from_flags (const RunFlags *f, const char *image, char **command,
                    PierRunOptions *o, GError **error)
{
  memset (o, 0, sizeof *o);
  o->image = image;
  o->name = f->name;
  o->hostname = f->hostname;
  o->command = (const char *const *) command;
  o->env = (const char *const *) f->env;
  o->volumes = (const char *const *) f->volumes;
  o->cap_add = (const char *const *) f->cap_add;
  o->cap_drop = (const char *const *) f->cap_drop;
  o->security_opt = (const char *const *) f->security_opt;
  o->working_dir = f->workdir;
  o->user = f->user;
  o->tty = f->tty;
  o->interactive = f->interactive;
  o->auto_remove = f->remove;
  o->network = f->network;
  if (f->memory != NULL &&
      !pier_quantity_parse_size ("--memory", f->memory, PIER_RUN_MEMORY_MAX,
                                 &o->memory_bytes, error))
    return FALSE;
  if (f->cpus != NULL &&
      !pier_quantity_parse_decimal ("--cpus", f->cpus, PIER_RUN_CPUS_MIN,
                                    PIER_RUN_CPUS_MAX, &o->cpus, error))
    return FALSE;
  /* -1 (or 0, as Docker reads it) for no limit. */
  if (f->pids_limit != NULL &&
      !g_ascii_string_to_signed (f->pids_limit, 10, -1, G_MAXINT32, &o->pids_limit, NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("invalid --pids-limit “%s”: a positive whole number, or -1 for no limit"),
                   f->pids_limit);
      return FALSE;
    }
  if (f->pids_limit != NULL && o->pids_limit == 0)
    o->pids_limit = -1;
  return TRUE;
}

#define RUN_FLAG_ENTRIES(f)                                                                         \
  { "detach", 'd', 0, G_OPTION_ARG_NONE, &(f).detach, N_("Run in the background and print the id"), NULL }, \
  { "interactive", 'i', 0, G_OPTION_ARG_NONE, &(f).interactive, N_("Keep standard input open"), NULL }, \
  { "tty", 't', 0, G_OPTION_ARG_NONE, &(f).tty, N_("Give the command a terminal"), NULL },          \
  { "rm", 0, 0, G_OPTION_ARG_NONE, &(f).remove, N_("Remove the container when it exits"), NULL },   \
  { "name", 0, 0, G_OPTION_ARG_STRING, &(f).name, N_("Name the container"), "NAME" },               \
  { "hostname", 'h', 0, G_OPTION_ARG_STRING, &(f).hostname, N_("Host name inside (default: the name)"), "NAME" }, \
  { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &(f).env, N_("Set an environment variable"), "K=V" }, \
  { "volume", 'v', 0, G_OPTION_ARG_STRING_ARRAY, &(f).volumes, N_("Bind a host path"), "SRC:DST[:ro]" }, \
  { "workdir", 'w', 0, G_OPTION_ARG_STRING, &(f).workdir, N_("Working directory inside"), "DIR" },  \
  { "user", 'u', 0, G_OPTION_ARG_STRING, &(f).user, N_("User inside"), "USER[:GROUP]" },            \
  { "network", 0, 0, G_OPTION_ARG_STRING, &(f).network, N_("none, host or bridge"), "MODE" },       \
  { "memory", 'm', 0, G_OPTION_ARG_STRING, &(f).memory, N_("Memory limit"), "BYTES" },              \
  { "cpus", 0, 0, G_OPTION_ARG_STRING, &(f).cpus, N_("CPU limit"), "N" },                           \
  { "pids-limit", 0, 0, G_OPTION_ARG_STRING, &(f).pids_limit, N_("Process limit (default 2048; -1: none)"), "N" }, \
  { "cap-add", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(f).cap_add, N_("Keep a capability (ALL: every one)"), "CAP" }, \
  { "cap-drop", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(f).cap_drop, N_("Drop a capability (ALL: every one)"), "CAP" }, \
  { "security-opt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(f).security_opt, N_("seccomp=FILE.json or seccomp=unconfined"), "OPT" }

static void
print_warnings (char **warnings)
{
  for (char **w = warnings; w && *w; w++)
    fprintf (stderr, _("WARNING: %s\n"), *w);
}

static int
exit_code_for_start_error (const GError *error)
{
  if (g_error_matches (error, PIER_ERROR, PIER_ERROR_EXECUTABLE_NOT_FOUND))
    return EXIT_NOT_FOUND;
  if (g_error_matches (error, PIER_ERROR, PIER_ERROR_PERMISSION))
    return EXIT_CANNOT_INVOKE;
  return EXIT_PIER_FAILED;
}

/* The terminal's size, for a container given one that is attached to ours. */
static void
terminal_size (gboolean tty, gboolean attach, guint16 *rows, guint16 *cols)
{
  struct winsize ws = { 0 };

  if (tty && attach && ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    {
      *rows = ws.ws_row;
      *cols = ws.ws_col;
    }
}

/* The descriptors an attached container uses: ours. */
static PierStdio
our_stdio (gboolean tty, gboolean interactive)
{
  PierStdio stdio = { interactive ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO, 0, 0 };

  terminal_size (tty, TRUE, &stdio.tty_rows, &stdio.tty_cols);
  return stdio;
}

static void
started_print_warnings (const char *id, const char *const *warnings, gpointer print_id)
{
  print_warnings ((char **) warnings);
  if (print_id)
    printf ("%s\n", id);
}

static int
run_run (PierCli *cli, int argc, char **argv, GError **error)
{
  RunFlags f = { 0 };
  const GOptionEntry entries[] = { RUN_FLAG_ENTRIES (f), { NULL } };
  PierRunOptions o;
  PierStdio attach;
  int code = 0;

  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE [COMMAND [ARG...]]", N_("Run a command in a new container"),
                       entries, TRUE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[OPTIONS] IMAGE [COMMAND [ARG...]]", error) ||
      !options_from_flags (&f, argv[1], argv + 2, &o, error))
    {
      run_flags_clear (&f);
      return EXIT_PIER_FAILED;
    }
  terminal_size (f.tty, !f.detach, &o.tty_rows, &o.tty_cols);
  attach = our_stdio (FALSE, f.interactive);
  if (!pier_engine_run (pier_cli_get_engine (cli), &o, f.detach ? NULL : &attach,
                        started_print_warnings, GINT_TO_POINTER (f.detach), &code, NULL, error))
    code = exit_code_for_start_error (*error);
  run_flags_clear (&f);
  return code;
}

static int
create_run (PierCli *cli, int argc, char **argv, GError **error)
{
  RunFlags f = { 0 };
  const GOptionEntry entries[] = { RUN_FLAG_ENTRIES (f), { NULL } };
  g_autofree char *id = NULL;
  PierRunOptions o;

  if (pier_cli_parse (cli, &argc, &argv, "IMAGE [COMMAND [ARG...]]", N_("Create a container"),
                      entries, TRUE, error) &&
      pier_cli_expect_args (cli, argc, 1, -1, "[OPTIONS] IMAGE [COMMAND [ARG...]]", error) &&
      options_from_flags (&f, argv[1], argv + 2, &o, error) &&
      (id = pier_engine_create (pier_cli_get_engine (cli), &o, NULL, error)) != NULL)
    printf ("%s\n", id);
  run_flags_clear (&f);
  return id ? 0 : EXIT_PIER_FAILED;
}

/* Runs @action on each named container; errors are printed and the exit is 1 if any failed. */
typedef gboolean (*ContainerAction) (PierEngine *engine, const char *name, gpointer data,
                                     GError **error);

static int
for_each_container (PierCli *cli, int argc, char **argv, ContainerAction action, gpointer data,
                    gboolean print_name, GError **error)
{
  PierEngine *engine = pier_cli_get_engine (cli);
  int status = 0;

  /* An engine that cannot be used is said once, not for each name. */
  if (!pier_engine_ping (engine, NULL, error))
    return 1;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      if (!action (engine, argv[i], data, &local_error))
        {
          pier_cli_print_error (cli, local_error);
          status = 1;
          continue;
        }
      if (print_name)
        printf ("%s\n", argv[i]);
    }
  return status;
}

static int
start_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean attach = FALSE, interactive = FALSE;
  const GOptionEntry entries[] = {
    { "attach", 'a', 0, G_OPTION_ARG_NONE, &attach, N_("Attach to its output and wait for it"), NULL },
    { "interactive", 'i', 0, G_OPTION_ARG_NONE, &interactive, N_("Attach standard input"), NULL },
    { NULL }
  };
  PierStdio stdio;
  int code = 0;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER...", N_("Start containers"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, attach ? 1 : -1, "[-a] CONTAINER...", error))
    return 1;
  if (!attach)
    {
      for (int i = 1; i < argc; i++)
        {
          g_autoptr (GError) local_error = NULL;
          if (!pier_engine_start (pier_cli_get_engine (cli), argv[i], NULL,
                                  started_print_warnings, NULL, NULL, NULL, &local_error))
            {
              pier_cli_print_error (cli, local_error);
              return 1;
            }
          printf ("%s\n", argv[i]);
        }
      return 0;
    }
  stdio = our_stdio (TRUE, interactive);
  if (!pier_engine_start (pier_cli_get_engine (cli), argv[1], &stdio, started_print_warnings,
                          NULL, &code, NULL, error))
    return exit_code_for_start_error (*error);
  return code;
}

static gboolean
do_stop (PierEngine *engine, const char *name, gpointer data, GError **error)
{
  return pier_engine_stop (engine, name, GPOINTER_TO_UINT (data), NULL, error);
}

/* --time: whole seconds, as many as the engine's wait (milliseconds, an int) can count. */
#define STOP_TIME_MAX (G_MAXINT / 1000)

/* stop and restart: the same flag, the same walk over the named containers. */
static int
stop_or_restart (PierCli *cli, int argc, char **argv, const char *summary, ContainerAction action,
                GError **error)
{
  g_autofree char *time = NULL;
  const GOptionEntry entries[] = {
    { "time", 't', 0, G_OPTION_ARG_STRING, &time, N_("Seconds to wait before killing (default 10)"), "SECONDS" },
    { NULL }
  };
  guint64 seconds = 10;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER...", summary, entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[-t SECONDS] CONTAINER...", error) ||
      (time != NULL && !pier_quantity_parse_count ("--time", time, 0, STOP_TIME_MAX, &seconds, error)))
    return 1;
  return for_each_container (cli, argc, argv, action, GUINT_TO_POINTER ((guint) seconds), TRUE, error);
}

static int
stop_run (PierCli *cli, int argc, char **argv, GError **error)
{
  return stop_or_restart (cli, argc, argv, N_("Stop containers"), do_stop, error);
}

static gboolean
do_restart (PierEngine *engine, const char *name, gpointer data, GError **error)
{
  return pier_engine_restart (engine, name, GPOINTER_TO_UINT (data), started_print_warnings,
                              NULL, NULL, error);
}

static int
restart_run (PierCli *cli, int argc, char **argv, GError **error)
{
  return stop_or_restart (cli, argc, argv, N_("Restart containers"), do_restart, error);
}

static gboolean
do_kill (PierEngine *engine, const char *name, gpointer data, GError **error)
{
  return pier_engine_kill (engine, name, GPOINTER_TO_INT (data), NULL, error);
}

static int
kill_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *signal_name = NULL;
  const GOptionEntry entries[] = {
    { "signal", 's', 0, G_OPTION_ARG_STRING, &signal_name, N_("Signal to send (default KILL)"), "SIGNAL" },
    { NULL }
  };
  int signal = 9;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER...", N_("Send a signal to containers"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[-s SIGNAL] CONTAINER...", error))
    return 1;
  if (signal_name && !pier_signal_parse (signal_name, &signal, error))
    {
      g_prefix_error (error, _("--signal: "));
      return 1;
    }
  return for_each_container (cli, argc, argv, do_kill, GINT_TO_POINTER (signal), TRUE, error);
}

static gboolean
do_wait (PierEngine *engine, const char *name, gpointer data, GError **error)
{
  int code;

  if (!pier_engine_wait (engine, name, &code, NULL, error))
    return FALSE;
  printf ("%d\n", code);
  return TRUE;
}

static int
wait_run (PierCli *cli, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER...", N_("Wait for containers to exit and print their exit codes"),
                       entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "CONTAINER...", error))
    return 1;
  return for_each_container (cli, argc, argv, do_wait, NULL, FALSE, error);
}

static gboolean
do_remove (PierEngine *engine, const char *name, gpointer data, GError **error)
{
  return pier_engine_remove (engine, name, GPOINTER_TO_INT (data), NULL, error);
}

static int
rm_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Kill running containers first"), NULL },
    { NULL }
  };

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER...", N_("Remove containers"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[-f] CONTAINER...", error))
    return 1;
  return for_each_container (cli, argc, argv, do_remove, GINT_TO_POINTER (force), TRUE, error);
}

/* "Up 5 seconds", "Exited (0) 3 minutes ago", "Created", "Broken": Docker's words, which scripts
 * match, so not translated. */
static char *
status_text (const PierContainerInfo *c)
{
  if (c->broken != NULL)
    return g_strdup (c->state == PIER_CONTAINER_STATE_RUNNING ? "Broken (running)" : "Broken");
  switch (c->state)
    {
    case PIER_CONTAINER_STATE_RUNNING:
      {
        g_autofree char *ago = pier_format_ago (c->started_at / G_USEC_PER_SEC);
        if (g_str_has_suffix (ago, " ago"))
          ago[strlen (ago) - 4] = '\0';
        return g_strdup_printf ("Up %s", ago);
      }
    case PIER_CONTAINER_STATE_EXITED:
      {
        g_autofree char *ago = pier_format_ago (c->finished_at / G_USEC_PER_SEC);
        return g_strdup_printf ("Exited (%d) %s", c->exit_code, ago);
      }
    case PIER_CONTAINER_STATE_CREATED:
    default:
      return g_strdup ("Created");
    }
}

static char *
command_text (const PierContainerInfo *c)
{
  g_autofree char *joined = g_strjoinv (" ", c->command);
  g_autofree char *cut = pier_format_truncate (joined, 20);
  return g_strdup_printf ("\"%s\"", cut);
}

static int
ps_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean all = FALSE, quiet = FALSE, processes = FALSE;
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Show all containers, not only running ones"), NULL },
    { "processes", 0, 0, G_OPTION_ARG_NONE, &processes, N_("Every host process with the container it belongs to"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Only show ids"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: table or json"), "FORMAT" },
    { NULL }
  };
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PierTable) table = NULL;
  g_auto (PierJsonWriter) w = { NULL };
  json_t *json = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "", N_("List containers"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, 0, "[-a] [-q] [--format json]", error))
    return 1;
  if (!pier_format_check (format, error))
    return 1;
  if (processes)
    return pier_cli_ps_processes (cli, format, error);
  if ((list = pier_engine_list_containers (pier_cli_get_engine (cli), NULL, error)) == NULL)
    return 1;
  table = pier_table_new ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", NULL);
  if (g_strcmp0 (format, "json") == 0)
    json = json_array ();
  for (guint i = 0; i < list->len; i++)
    {
      PierContainerInfo *c = list->pdata[i];
      g_autofree char *short_id = g_strndup (c->id, 12);
      g_autofree char *created = NULL;
      g_autofree char *status = NULL;
      g_autofree char *command = NULL;

      if (!all && c->state != PIER_CONTAINER_STATE_RUNNING)
        continue;
      if (c->broken != NULL)
        fprintf (stderr, _("pierctl ps: warning: container %s (%.12s) is broken: %s; `pierctl rm -f "
                           "%s` removes it\n"), c->name, c->id, c->broken, c->name);
      if (quiet)
        {
          printf ("%s\n", short_id);
          continue;
        }
      if (json != NULL)
        {
          g_autofree char *text = pier_engine_inspect_container (pier_cli_get_engine (cli), c->id,
                                                               TRUE, NULL, error);
          if (text == NULL)
            {
              json_decref (json);
              return 1;
            }
          pier_json_append (&w, json, json_loads (text, 0, NULL));
          continue;
        }
      created = pier_format_ago (c->created / G_USEC_PER_SEC);
      status = status_text (c);
      command = command_text (c);
      pier_table_add_row (table, short_id, c->image, command, created, status, "", c->name, NULL);
    }
  if (json != NULL)
    return pier_format_print_json (&w, json, error) ? 0 : 1;
  if (!quiet)
    pier_table_print (table);
  return 0;
}

static gboolean
print_log_entry (const PierLogChunk *entry, gpointer user_data)
{
  FILE *out = entry->stream == PIER_OUTPUT_STDERR ? stderr : stdout;

  fwrite (entry->data, 1, entry->len, out);
  if (!entry->partial)
    fputc ('\n', out);
  fflush (out);
  return TRUE;
}

static int
logs_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean follow = FALSE;
  const GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, N_("Keep printing new output"), NULL },
    { NULL }
  };

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER", N_("Show a container's output"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "[-f] CONTAINER", error))
    return 1;
  return pier_engine_logs (pier_cli_get_engine (cli), argv[1], follow, print_log_entry, NULL,
                           NULL, error) ? 0 : 1;
}

static int
exec_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean detach = FALSE, interactive = FALSE, tty = FALSE;
  g_autofree char *user_spec = NULL;
  g_autofree char *workdir = NULL;
  g_auto (GStrv) env_overrides = NULL;
  const GOptionEntry entries[] = {
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &detach, N_("Run in the background"), NULL },
    { "interactive", 'i', 0, G_OPTION_ARG_NONE, &interactive, N_("Keep standard input open"), NULL },
    { "tty", 't', 0, G_OPTION_ARG_NONE, &tty, N_("Give the command a terminal"), NULL },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &user_spec, N_("User inside"), "USER[:GROUP]" },
    { "workdir", 'w', 0, G_OPTION_ARG_STRING, &workdir, N_("Working directory inside"), "DIR" },
    { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env_overrides, N_("Set an environment variable"), "K=V" },
    { NULL }
  };
  PierExecOptions options = { NULL };
  PierStdio stdio = { -1, STDOUT_FILENO, STDERR_FILENO, 0, 0 };
  struct winsize ws = { 0 };
  int code = 0;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER COMMAND [ARG...]",
                       N_("Run a command in a running container, in a session of its own"), entries,
                       TRUE, error) ||
      !pier_cli_expect_args (cli, argc, 2, -1, "[OPTIONS] CONTAINER COMMAND [ARG...]", error))
    return EXIT_PIER_FAILED;
  options.argv = (const char *const *) argv + 2;
  options.user = user_spec;
  options.working_dir = workdir;
  options.env = (const char *const *) env_overrides;
  options.tty = tty;
  if (tty && ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    {
      options.tty_rows = ws.ws_row;
      options.tty_cols = ws.ws_col;
    }
  if (detach)
    {
      /* Not waited for: when pierctl exits, the system's reaper adopts it. */
      g_autoptr (PierExec) exec = pier_engine_exec_start (pier_cli_get_engine (cli), argv[1],
                                                          &options, NULL, NULL, error);
      return exec ? 0 : exit_code_for_start_error (*error);
    }
  stdio.in_fd = interactive ? STDIN_FILENO : -1;
  if (!pier_engine_exec (pier_cli_get_engine (cli), argv[1], &options, &stdio, &code, NULL,
                         error))
    return exit_code_for_start_error (*error);
  return code;
}

const PierCliVerb pier_cli_container_verbs[] = {
  { "run", run_run, N_("Run a command in a new container") },
  { "create", create_run, N_("Create a container") },
  { "start", start_run, N_("Start containers") },
  { "stop", stop_run, N_("Stop containers") },
  { "restart", restart_run, N_("Restart containers") },
  { "kill", kill_run, N_("Send a signal to containers") },
  { "wait", wait_run, N_("Wait for containers to exit") },
  { "rm", rm_run, N_("Remove containers") },
  { "ps", ps_run, N_("List containers") },
  { "logs", logs_run, N_("Show a container's output") },
  { "exec", exec_run, N_("Run a command in a running container") },
  { NULL }
};
