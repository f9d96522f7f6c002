/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Signal names and numbers, one parser for the Dockerfile, the CLI and the runtime. */
#include "pier-signal.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <signal.h>
#include <string.h>

/* The kernel's real-time range as a container sees it: glibc reserves 32 and 33 for its
 * threads, so Docker's table (and therefore images made elsewhere) start RTMIN at 34. */
#define RT_FIRST 34
#define RT_LAST 64
/* Docker names RTMIN+1..RTMIN+15 and RTMAX-14..RTMAX-1: together the whole range once. */
#define RT_MIN_OFFSETS 15
#define RT_MAX_OFFSETS 14

static const struct {
  const char *name;
  int number;
} names[] = {
  { "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS }, { "CHLD", SIGCHLD },
  { "CLD", SIGCHLD }, { "CONT", SIGCONT }, { "FPE", SIGFPE }, { "HUP", SIGHUP },
  { "ILL", SIGILL }, { "INT", SIGINT }, { "IO", SIGIO }, { "IOT", SIGABRT },
  { "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGIO }, { "PROF", SIGPROF },
  { "PWR", SIGPWR }, { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "STKFLT", SIGSTKFLT },
  { "STOP", SIGSTOP }, { "SYS", SIGSYS }, { "TERM", SIGTERM }, { "TRAP", SIGTRAP },
  { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
  { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
  { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (@name without "SIG"). */
static gboolean
parse_realtime (const char *name, int *out)
{
  gboolean from_min = g_ascii_strncasecmp (name, "RTMIN", 5) == 0;
  guint64 offset = 0;

  if (!from_min && g_ascii_strncasecmp (name, "RTMAX", 5) != 0)
    return FALSE;
  name += 5;
  if (*name != '\0')
    {
      if (*name != (from_min ? '+' : '-')
          || !g_ascii_string_to_unsigned (name + 1, 10, 1,
                                          from_min ? RT_MIN_OFFSETS : RT_MAX_OFFSETS, &offset,
                                          NULL))
        return FALSE;
    }
  *out = from_min ? RT_FIRST + (int) offset : RT_LAST - (int) offset;
  return TRUE;
}

gboolean
pier_signal_parse (const char *text, int *signal, GError **error)
{
  const char *name = text;
  guint64 number;

  if (g_ascii_string_to_unsigned (text, 10, 1, RT_LAST, &number, NULL)
      && (number < 32 || number >= RT_FIRST))
    {
      *signal = (int) number;
      return TRUE;
    }
  if (g_ascii_strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      {
        *signal = names[i].number;
        return TRUE;
      }
  if (parse_realtime (name, signal))
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("invalid signal “%s”: give a name such as SIGTERM, TERM or SIGRTMIN+3, or a "
                 "number from 1 to 31 or 34 to 64"), text);
  return FALSE;
}
