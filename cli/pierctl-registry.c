/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl pull, push, login, logout. */
#include "pier-cli.h"

#include "pier-cli-format.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-reference.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define BAR_WIDTH 30

/* Options every registry verb takes, as Podman spells them. GOption's callbacks get no user
 * data for main entries: one verb runs per call, so they fill this. */
static struct {
  PierTlsVerify tls;
} parsed;

static gboolean
parse_tls_verify (const char *name, const char *value, gpointer data, GError **error)
{
  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0)
    parsed.tls = PIER_TLS_VERIFY_ON;
  else if (g_ascii_strcasecmp (value, "false") == 0)
    parsed.tls = PIER_TLS_VERIFY_OFF;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--tls-verify takes true or false, not “%s”"), value);
      return FALSE;
    }
  return TRUE;
}

#define TLS_ENTRIES(opts)                                                                         \
  { "tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_tls_verify,         \
    N_("Verify the registry's certificate (default true; false also allows plain HTTP)"),         \
    "BOOL" },                                                                                     \
  { "cert-dir", 0, 0, G_OPTION_ARG_FILENAME, &(opts).cert_dir,                                    \
    N_("Trust the CA certificates (*.crt) in DIR"), "DIR" },                                      \
  { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &(opts).auth_file,                                   \
    N_("Credentials file (default: $REGISTRY_AUTH_FILE, then Podman's and Docker's)"), "FILE" },  \
  { "registries-conf", 0, 0, G_OPTION_ARG_FILENAME, &(opts).registries_conf,                      \
    N_("Registries file (default: $XDG_CONFIG_HOME/pier/registries.conf, /etc/pier/registries.conf)"), \
    "FILE" }

typedef struct {
  char *cert_dir;
  char *auth_file;
  char *registries_conf;
  char *creds;
  char *platform;
} RawOptions;

static void
raw_options_clear (RawOptions *raw)
{
  g_free (raw->cert_dir);
  g_free (raw->auth_file);
  g_free (raw->registries_conf);
  if (raw->creds != NULL)
    memset (raw->creds, 0, strlen (raw->creds));
  g_free (raw->creds);
  g_free (raw->platform);
}

/* Reads a line from the terminal, without echo for secrets. */
static char *
prompt (const char *question, gboolean secret, GError **error)
{
  struct termios saved, quiet;
  char line[1024];
  gboolean hidden = FALSE;
  char *answer;

  if (!isatty (STDIN_FILENO))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s not given, and standard input is not a terminal to ask on"), question);
      return NULL;
    }
  fprintf (stderr, "%s: ", question);
  fflush (stderr);
  if (secret && tcgetattr (STDIN_FILENO, &saved) == 0)
    {
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      hidden = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  answer = fgets (line, sizeof line, stdin) ? g_strdup (g_strchomp (line)) : NULL;
  if (hidden)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      fputc ('\n', stderr);
    }
  memset (line, 0, sizeof line);
  if (answer == NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("no %s given"), question);
  return answer;
}

/* --creds USER[:PASSWORD], asking for the password when it is left out. */
static gboolean
apply_creds (RawOptions *raw, char **username, char **password, GError **error)
{
  char *colon;

  if (raw->creds == NULL)
    return TRUE;
  colon = strchr (raw->creds, ':');
  *username = colon ? g_strndup (raw->creds, colon - raw->creds) : g_strdup (raw->creds);
  *password = colon ? g_strdup (colon + 1) : prompt (_("Password"), TRUE, error);
  if (**username == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("--creds needs USER[:PASSWORD]"));
      return FALSE;
    }
  return *password != NULL;
}

static void
to_options (const RawOptions *raw, PierRegistryAccess *options)
{
  options->tls = parsed.tls;
  options->cert_dir = raw->cert_dir;
  options->auth_file = raw->auth_file;
  options->registries_conf = raw->registries_conf;
  options->platform = raw->platform;
}

/* ---- progress ---- */

typedef struct {
  gboolean terminal;
  gboolean quiet;
  gboolean pushing;
  guint lines_drawn;
  GHashTable *printed; /* digest → last state printed (plain output) */
  gboolean announced;
  char *reference;
} Display;

static void
display_clear (Display *d)
{
  g_clear_pointer (&d->printed, g_hash_table_unref);
  g_free (d->reference);
}

static const char *
state_words (const Display *d, const PierBlobTransfer *b)
{
  switch (b->state)
    {
    case PIER_BLOB_WAITING:
      return d->pushing ? _("Preparing") : _("Waiting");
    case PIER_BLOB_EXISTS:
      return d->pushing ? _("Layer already exists") : _("Already exists");
    case PIER_BLOB_MOUNTED:
      return _("Mounted from");
    case PIER_BLOB_TRANSFERRING:
      return d->pushing ? _("Pushing") : _("Downloading");
    case PIER_BLOB_DONE:
      return d->pushing ? _("Pushed") : _("Pull complete");
    }
  return "";
}

static char *
blob_line (const Display *d, const PierBlobTransfer *b)
{
  g_autofree char *short_id = pier_digest_short (b->digest);
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "%s: %s", short_id, state_words (d, b));
  if (b->state == PIER_BLOB_MOUNTED)
    g_string_append_printf (line, " %s", b->mounted_from);
  if (b->state == PIER_BLOB_TRANSFERRING && b->size > 0)
    {
      guint filled = MIN (BAR_WIDTH, (guint) (BAR_WIDTH * b->done / b->size));
      g_autofree char *done = pier_format_size (b->done);
      g_autofree char *size = pier_format_size (b->size);
      g_autofree char *rate = pier_format_size ((guint64) b->rate);
      g_string_append (line, " [");
      for (guint i = 0; i < BAR_WIDTH; i++)
        g_string_append_c (line, i < filled ? '=' : i == filled ? '>' : ' ');
      g_string_append_printf (line, "] %s/%s %s/s", done, size, rate);
    }
  return g_string_free (line, FALSE);
}

static void
announce (Display *d, const char *reference)
{
  g_autoptr (PierReference) ref = pier_reference_parse (reference, NULL);

  if (d->announced || d->quiet || ref == NULL)
    return;
  d->announced = TRUE;
  if (d->pushing)
    {
      g_autofree char *name = pier_reference_name (ref);
      g_autofree char *familiar = pier_reference_familiar (name);
      printf (_("The push refers to repository [%s]\n"), familiar);
    }
  else
    printf (_("%s: Pulling from %s\n"), ref->digest ? ref->digest : ref->tag, ref->path);
}

static void
show_progress (const PierTransferProgress *p, gpointer user_data)
{
  Display *d = user_data;

  if (d->quiet || p->stage == PIER_TRANSFER_RESOLVING)
    return;
  announce (d, p->reference);
  if (d->terminal)
    {
      /* Redraw every layer's line in place. */
      guint lines = 0;
      if (d->lines_drawn > 0)
        printf ("\033[%uA", d->lines_drawn);
      for (guint i = 0; i < p->n_blobs; i++)
        {
          g_autofree char *line = NULL;
          if (p->blobs[i].is_config)
            continue;
          line = blob_line (d, &p->blobs[i]);
          printf ("\033[2K%s\n", line);
          lines++;
        }
      d->lines_drawn = lines;
      fflush (stdout);
      return;
    }
  for (guint i = 0; i < p->n_blobs; i++)
    {
      const PierBlobTransfer *b = &p->blobs[i];
      gpointer last = g_hash_table_lookup (d->printed, b->digest);
      g_autofree char *line = NULL;
      if (b->is_config || b->state == PIER_BLOB_WAITING || b->state == PIER_BLOB_TRANSFERRING ||
          GPOINTER_TO_INT (last) == (int) b->state + 1)
        continue;
      g_hash_table_insert (d->printed, g_strdup (b->digest), GINT_TO_POINTER ((int) b->state + 1));
      line = blob_line (d, b);
      printf ("%s\n", line);
    }
  fflush (stdout);
}

static void
display_init (Display *d, gboolean quiet, gboolean pushing)
{
  memset (d, 0, sizeof *d);
  d->quiet = quiet;
  d->pushing = pushing;
  d->terminal = isatty (STDOUT_FILENO);
  d->printed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- verbs ---- */

static int
pull_run (PierCli *cli, int argc, char **argv, GError **error)
{
  RawOptions raw = { 0 };
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "platform", 0, 0, G_OPTION_ARG_STRING, &raw.platform, N_("Choose OS/ARCH[/VARIANT] from a multi-platform image (default: this machine's)"), "PLATFORM" },
    { "creds", 0, 0, G_OPTION_ARG_STRING, &raw.creds, N_("Credentials for the registry"), "USER[:PASSWORD]" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print only the image's name"), NULL },
    TLS_ENTRIES (raw),
    { NULL }
  };
  PierRegistryAccess options = { 0 };
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autoptr (PierPullResult) result = NULL;
  g_autoptr (PierReference) ref = NULL;
  g_autofree char *familiar = NULL;
  const char *last_part;
  Display display;
  int status = 1;

  parsed.tls = PIER_TLS_VERIFY_DEFAULT;
  display_init (&display, FALSE, FALSE);
  if (!pier_cli_parse (cli, &argc, &argv, "NAME[:TAG|@DIGEST]",
                       N_("Pull an image from a registry (Docker's names: “debian” is "
                          "docker.io/library/debian:latest)"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "[OPTIONS] NAME[:TAG|@DIGEST]", error) ||
      !apply_creds (&raw, &username, &password, error) ||
      (ref = pier_reference_parse (argv[1], error)) == NULL ||
      !pier_engine_ping (pier_cli_get_engine (cli), NULL, error))
    goto out;
  to_options (&raw, &options);
  options.username = username;
  options.password = password;
  display.quiet = quiet;
  /* A tag is a ":" after the last "/" (one before it is a registry's port). */
  last_part = strrchr (argv[1], '/') ? strrchr (argv[1], '/') : argv[1];
  if (!quiet && ref->digest == NULL && strchr (last_part, ':') == NULL)
    printf (_("Using default tag: %s\n"), PIER_DEFAULT_TAG);
  result = pier_engine_pull (pier_cli_get_engine (cli), argv[1], &options, show_progress,
                             &display, NULL, error);
  if (result == NULL)
    goto out;
  familiar = pier_reference_familiar (result->reference);
  if (!quiet)
    {
      /* Scripts read the digest from Docker's words: they stay as written. */
      printf ("Digest: %s\n", result->digest);
      printf (result->up_to_date ? _("Status: Image is up to date for %s\n")
                                 : _("Status: Downloaded newer image for %s\n"), familiar);
    }
  printf ("%s\n", result->reference);
  status = 0;
out:
  display_clear (&display);
  raw_options_clear (&raw);
  if (password != NULL)
    memset (password, 0, strlen (password));
  return status;
}

static int
push_run (PierCli *cli, int argc, char **argv, GError **error)
{
  RawOptions raw = { 0 };
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "creds", 0, 0, G_OPTION_ARG_STRING, &raw.creds, N_("Credentials for the registry"), "USER[:PASSWORD]" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print only the manifest's digest"), NULL },
    TLS_ENTRIES (raw),
    { NULL }
  };
  PierRegistryAccess options = { 0 };
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autoptr (PierPushResult) result = NULL;
  Display display;
  int status = 1;

  parsed.tls = PIER_TLS_VERIFY_DEFAULT;
  display_init (&display, FALSE, TRUE);
  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE [DESTINATION]",
                       N_("Push an image to a registry, under its own name or DESTINATION "
                          "(NAME[:TAG])"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 2, "[OPTIONS] IMAGE [NAME[:TAG]]", error) ||
      !apply_creds (&raw, &username, &password, error) ||
      !pier_engine_ping (pier_cli_get_engine (cli), NULL, error))
    goto out;
  to_options (&raw, &options);
  options.username = username;
  options.password = password;
  display.quiet = quiet;
  result = pier_engine_push (pier_cli_get_engine (cli), argv[1], argc > 2 ? argv[2] : NULL,
                             &options, show_progress, &display, NULL, error);
  if (result == NULL)
    goto out;
  if (quiet)
    printf ("%s\n", result->digest);
  else
    {
      g_autoptr (PierReference) ref = pier_reference_parse (result->reference, NULL);
      /* Docker's line, which scripts read the digest from: its words stay as written. */
      printf ("%s: digest: %s size: %" G_GUINT64_FORMAT "\n",
              ref && ref->tag ? ref->tag : result->reference, result->digest, result->size);
    }
  status = 0;
out:
  display_clear (&display);
  raw_options_clear (&raw);
  if (password != NULL)
    memset (password, 0, strlen (password));
  return status;
}

static char *
read_password_stdin (GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  char chunk[512];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_string_append_len (text, chunk, n);
  memset (chunk, 0, sizeof chunk);
  while (text->len > 0 && (text->str[text->len - 1] == '\n' || text->str[text->len - 1] == '\r'))
    g_string_truncate (text, text->len - 1);
  if (text->len == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("no password on standard input"));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static int
login_run (PierCli *cli, int argc, char **argv, GError **error)
{
  RawOptions raw = { 0 };
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  gboolean password_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "username", 'u', 0, G_OPTION_ARG_STRING, &username, N_("User name"), "USER" },
    { "password", 'p', 0, G_OPTION_ARG_STRING, &password, N_("Password (visible to other users: prefer --password-stdin)"), "PASSWORD" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from standard input"), NULL },
    TLS_ENTRIES (raw),
    { NULL }
  };
  PierRegistryAccess options = { 0 };
  int status = 1;

  parsed.tls = PIER_TLS_VERIFY_DEFAULT;
  if (!pier_cli_parse (cli, &argc, &argv, "[REGISTRY]",
                       N_("Log in to a registry (default docker.io); the credentials go "
                          "where Podman keeps them"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, 1, "[OPTIONS] [REGISTRY]", error))
    goto out;
  if (password_stdin && password != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("give the password with --password or --password-stdin, not both"));
      goto out;
    }
  if (password_stdin && username == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("--password-stdin needs --username"));
      goto out;
    }
  if (username == NULL && (username = prompt (_("Username"), FALSE, error)) == NULL)
    goto out;
  if (password == NULL)
    password = password_stdin ? read_password_stdin (error) : prompt (_("Password"), TRUE, error);
  if (password == NULL)
    goto out;
  to_options (&raw, &options);
  if (!pier_engine_login (pier_cli_get_engine (cli), argc > 1 ? argv[1] : NULL, username,
                         password, &options, NULL, error))
    goto out;
  printf (_("Login Succeeded!\n"));
  status = 0;
out:
  raw_options_clear (&raw);
  if (password != NULL)
    memset (password, 0, strlen (password));
  return status;
}

static int
logout_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *auth_file = NULL;
  gboolean all = FALSE;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Remove the credentials of every registry"), NULL },
    { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &auth_file, N_("Credentials file"), "FILE" },
    { NULL }
  };
  g_autofree char *removed_from = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "[REGISTRY]",
                       N_("Log out of a registry (default docker.io)"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, all ? 0 : 1, "[--all | REGISTRY]", error))
    return 1;
  removed_from = pier_engine_logout (pier_cli_get_engine (cli),
                                     all ? NULL : argc > 1 ? argv[1] : PIER_DEFAULT_DOMAIN,
                                     auth_file, NULL, error);
  if (removed_from == NULL)
    return 1;
  if (all)
    printf (_("Removed login credentials for all registries in %s\n"), removed_from);
  else
    printf (_("Removed login credentials for %s\n"), removed_from);
  return 0;
}

const PierCliVerb pier_cli_registry_verbs[] = {
  { "pull", pull_run, N_("Pull an image from a registry") },
  { "push", push_run, N_("Push an image to a registry") },
  { "login", login_run, N_("Log in to a registry") },
  { "logout", logout_run, N_("Log out of a registry") },
  { NULL }
};
