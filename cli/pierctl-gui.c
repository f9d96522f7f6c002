/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl gui: a container's graphical session, reached over RDP through a Unix socket. */
#include "pier-cli.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-shell-words.h"

#include <stdio.h>
#include <string.h>

static gboolean
parse_size (const char *text, int *width, int *height, GError **error)
{
  guint64 w, h;
  g_auto (GStrv) parts = g_strsplit (text, "x", 2);

  if (g_strv_length (parts) == 2 && g_ascii_string_to_unsigned (parts[0], 10, 200, 8192, &w, NULL)
      && g_ascii_string_to_unsigned (parts[1], 10, 200, 8192, &h, NULL))
    {
      *width = (int) w;
      *height = (int) h;
      return TRUE;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("invalid --size “%s”: WIDTHxHEIGHT, each from 200 to 8192, such as 1280x800"),
               text);
  return FALSE;
}

static int
gui_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *app = NULL;
  g_autofree char *size = NULL;
  gboolean x11 = FALSE;
  const GOptionEntry entries[] = {
    { "app", 0, 0, G_OPTION_ARG_STRING, &app,
      N_("The command to start, split into words as a shell would (default: the image's)"), "CMD" },
    { "x11", 0, 0, G_OPTION_ARG_NONE, &x11, N_("Add Xwayland, for X11 apps"), NULL },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, N_("The desktop's first size (default 1024x768)"),
      "WxH" },
    { NULL }
  };
  g_auto (GStrv) app_argv = NULL;
  PierGraphicalOptions options = { 0 };
  g_autoptr (PierGraphicalSession) info = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER",
                       N_("Open a graphical session: an RDP server in the container, and an "
                          "app in a session of its own"), entries, FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 1, "[--app CMD] [--x11] [--size WxH] CONTAINER",
                                error)
      || (size != NULL && !parse_size (size, &options.width, &options.height, error)))
    return 1;
  if (app != NULL)
    {
      app_argv = pier_shell_expand_words (app, '\\', PIER_SHELL_WORDS_SKIP_UNSET, NULL, NULL,
                                          error);
      if (app_argv == NULL)
        return 1;
      if (app_argv[0] == NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("--app is empty"));
          return 1;
        }
    }
  options.app = (const char *const *) app_argv;
  options.x11 = x11;
  info = pier_engine_open_graphical_session (pier_cli_get_engine (cli), argv[1], &options, NULL,
                                             error);
  if (info == NULL)
    return 1;

  /* Socket, Fingerprint, Display and Connect give values that scripts read (sed 's/^Socket: //'):
   * their words stay as written in every language. */
  printf ("Socket: %s\n", info->socket_path);
  printf ("Fingerprint: %s\n", info->fingerprint);
  if (info->weston)
    printf (_("Server: Weston, host pid %d (%s)\n"), (int) info->server_pid,
            info->server_started ? _("started") : _("already running"));
  else
    printf (_("Server: the image's own on port %d (certificate trusted on first use)\n"),
            info->server_port);
  if (info->display != NULL)
    printf ("Display: %s\n", info->display);
  if (info->app_pid > 0)
    printf (_("App: host pid %d, in a graphical session of its own\n"), (int) info->app_pid);
  /* Weston takes any user name and password over TLS; without them xfreerdp3 would ask. */
  printf ("Connect: xfreerdp3 /v:%s /cert:fingerprint:%s /sec:tls /u:pier /p:\n",
          info->socket_path, info->fingerprint);
  return 0;
}

const PierCliVerb pier_cli_gui_verbs[] = {
  { "gui", gui_run, N_("Open a graphical session in a running container") },
  { NULL }
};
