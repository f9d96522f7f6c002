/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dockerfile-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-signal.h"

#include <string.h>

/* What BuildKit's instructions package refuses after parsing (instructions/parse.go, bflag.go),
 * with messages that say what to write instead. */

typedef enum { FLAG_BOOL, FLAG_STRING, FLAG_STRINGS } FlagType;

typedef struct {
  const char *name;
  FlagType type;
} FlagSpec;

typedef struct _Spec Spec;
typedef gboolean (*CheckFunc) (const PierDockerfile *df, const PierInstruction *insn,
                               const char *upper, GError **error);

struct _Spec {
  const char *keyword;
  const FlagSpec *flags;
  CheckFunc check;
};

static const FlagSpec no_flags[] = { { NULL, FLAG_BOOL } };
static const FlagSpec add_flags[] = {
  { "chown", FLAG_STRING }, { "chmod", FLAG_STRING }, { "link", FLAG_BOOL },
  { "keep-git-dir", FLAG_BOOL }, { "checksum", FLAG_STRING }, { "exclude", FLAG_STRINGS },
  { "parents", FLAG_BOOL }, { NULL, FLAG_BOOL },
};
static const FlagSpec copy_flags[] = {
  { "chown", FLAG_STRING }, { "chmod", FLAG_STRING }, { "from", FLAG_STRING },
  { "link", FLAG_BOOL }, { "parents", FLAG_BOOL }, { "exclude", FLAG_STRINGS },
  { NULL, FLAG_BOOL },
};
static const FlagSpec from_flags[] = { { "platform", FLAG_STRING }, { NULL, FLAG_BOOL } };
static const FlagSpec run_flags[] = {
  { "mount", FLAG_STRINGS }, { "network", FLAG_STRING }, { "security", FLAG_STRING },
  { NULL, FLAG_BOOL },
};
static const FlagSpec healthcheck_flags[] = {
  { "interval", FLAG_STRING }, { "timeout", FLAG_STRING }, { "start-period", FLAG_STRING },
  { "start-interval", FLAG_STRING }, { "retries", FLAG_STRING }, { NULL, FLAG_BOOL },
};

static gboolean
check_flags (const PierInstruction *insn, const FlagSpec *specs, const char *upper,
             GError **error)
{
  for (guint i = 0; i < insn->n_flags; i++)
    {
      const PierInstructionFlag *flag = &insn->flags[i];
      const FlagSpec *spec = specs;

      while (spec->name != NULL && strcmp (spec->name, flag->name) != 0)
        spec++;
      if (spec->name == NULL)
        {
          g_autoptr (GString) known = g_string_new (NULL);

          for (spec = specs; spec->name != NULL; spec++)
            g_string_append_printf (known, "%s--%s", known->len > 0 ? ", " : "", spec->name);
          if (known->len == 0)
            return pier_dockerfile_invalid (error, _("unknown flag --%s: %s takes no flags"),
                                            flag->name, upper);
          return pier_dockerfile_invalid (error, _("unknown flag --%s: %s takes %s"), flag->name,
                                          upper, known->str);
        }
      for (guint j = 0; j < i && spec->type != FLAG_STRINGS; j++)
        if (strcmp (insn->flags[j].name, flag->name) == 0)
          return pier_dockerfile_invalid (error, _("--%s is given twice"), flag->name);
      if (spec->type == FLAG_BOOL)
        {
          if (flag->value != NULL && *flag->value == '\0')
            return pier_dockerfile_invalid (error, _("--%s= needs a value: true or false"),
                                            flag->name);
          if (flag->value != NULL && g_ascii_strcasecmp (flag->value, "true") != 0
              && g_ascii_strcasecmp (flag->value, "false") != 0)
            return pier_dockerfile_invalid (error,
                                            _("--%s takes true or false, not “%s”"), flag->name,
                                            flag->value);
        }
      else if (flag->value == NULL)
        return pier_dockerfile_invalid (error, _("--%s needs a value: --%s=VALUE"), flag->name,
                                        flag->name);
    }
  return TRUE;
}

static gboolean
check_pairs (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
             GError **error)
{
  if (insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("%s needs at least one NAME=value"), upper);
  for (guint i = 0; i < insn->n_args; i += 2)
    if (*insn->args[i] == '\0')
      return pier_dockerfile_invalid (error, _("%s: a name cannot be empty"), upper);
  return TRUE;
}

static gboolean
check_one (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
           GError **error)
{
  if (insn->n_args != 1)
    return pier_dockerfile_invalid (error, _("%s takes exactly one argument"), upper);
  return TRUE;
}

static gboolean
check_some (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
            GError **error)
{
  if (insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("%s needs at least one argument"), upper);
  return TRUE;
}

static gboolean
check_any (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
           GError **error)
{
  return TRUE;
}

static gboolean
check_copy (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
            GError **error)
{
  const char *dest;

  if (insn->n_args < 2)
    return pier_dockerfile_invalid (error,
                                    _("%s needs a source and a destination: %s SOURCE... DEST"),
                                    upper, upper);
  dest = insn->args[insn->n_args - 1];
  if (pier_dockerfile_word_is_heredoc (dest))
    return pier_dockerfile_invalid (error, _("%s cannot take a heredoc as its destination"), upper);
  return TRUE;
}

static gboolean
stage_name_is_valid (const char *name)
{
  if (!g_ascii_islower (*name))
    return FALSE;
  for (const char *p = name + 1; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && strchr ("-_.", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
check_from (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
            GError **error)
{
  g_autofree char *name = NULL;

  if (insn->n_args == 3 && g_ascii_strcasecmp (insn->args[1], "as") == 0)
    {
      name = g_ascii_strdown (insn->args[2], -1);
      if (!stage_name_is_valid (name))
        return pier_dockerfile_invalid (error, _("invalid stage name “%s”: start with a letter, "
                                          "then letters, digits, “-”, “_” or “.”"), insn->args[2]);
      for (guint i = 0; i < df->n_stages; i++)
        {
          const PierInstruction *other = df->instructions[df->stages[i].from];

          if (other == insn)
            break;
          if (g_strcmp0 (df->stages[i].name, name) == 0)
            return pier_dockerfile_invalid (error,
                                            _("the stage name “%s” is already used on line %u"),
                                            name, other->line);
        }
      return TRUE;
    }
  if (insn->n_args != 1)
    return pier_dockerfile_invalid (error,
                                    _("FROM takes an image, then optionally AS and a stage name: "
                                      "FROM IMAGE [AS NAME]"));
  return TRUE;
}

static gboolean
check_run (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
           GError **error)
{
  if (insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("RUN needs a command"));
  return TRUE;
}

static gboolean
check_duration_flag (const PierInstruction *insn, const char *name, GError **error)
{
  const char *text = pier_instruction_get_flag (insn, name);
  gint64 ns;

  if (text == NULL)
    return TRUE;
  if (!pier_dockerfile_parse_duration (text, &ns, error))
    {
      g_prefix_error (error, "--%s: ", name);
      return FALSE;
    }
  if (ns != 0 && ns < 1000000)
    return pier_dockerfile_invalid (error,
                                    _("--%s must be 0 or at least 1ms, not “%s”"), name, text);
  return TRUE;
}

static gboolean
check_healthcheck (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
                   GError **error)
{
  static const char *const durations[] = { "interval", "timeout", "start-period",
                                           "start-interval" };
  const char *retries;
  char *end = NULL;
  gint64 n;

  if (insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("HEALTHCHECK needs CMD and a command, or NONE"));
  if (g_ascii_strcasecmp (insn->args[0], "NONE") == 0)
    {
      if (insn->n_args != 1)
        return pier_dockerfile_invalid (error, _("HEALTHCHECK NONE takes no arguments"));
      return check_flags (insn, no_flags, "HEALTHCHECK NONE", error);
    }
  if (!check_flags (insn, healthcheck_flags, upper, error))
    return FALSE;
  if (g_ascii_strcasecmp (insn->args[0], "CMD") != 0)
    return pier_dockerfile_invalid (error, _("unknown HEALTHCHECK type “%s”: use CMD or NONE"),
                                    insn->args[0]);
  if (insn->n_args < 2)
    return pier_dockerfile_invalid (error, _("HEALTHCHECK CMD needs a command"));
  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    if (!check_duration_flag (insn, durations[i], error))
      return FALSE;
  retries = pier_instruction_get_flag (insn, "retries");
  if (retries != NULL)
    {
      n = g_ascii_strtoll (retries, &end, 10);
      if (*retries == '\0' || *end != '\0' || n < 0 || n > G_MAXINT32)
        return pier_dockerfile_invalid (error, _("--retries takes a whole number, 0 or more, "
                                          "not “%s”"), retries);
    }
  return TRUE;
}

static gboolean
check_volume (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
              GError **error)
{
  if (insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("VOLUME needs at least one path"));
  for (guint i = 0; i < insn->n_args; i++)
    {
      g_autofree char *path = g_strstrip (g_strdup (insn->args[i]));

      if (*path == '\0')
        return pier_dockerfile_invalid (error, _("VOLUME: a path cannot be empty"));
    }
  return TRUE;
}

static gboolean
check_arg (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
           GError **error)
{
  if (insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("ARG needs a name: ARG NAME or ARG NAME=default"));
  for (guint i = 0; i < insn->n_args; i++)
    if (insn->args[i][0] == '=')
      return pier_dockerfile_invalid (error, _("ARG: a name cannot be empty"));
  return TRUE;
}

/* A signal written out is checked here; one held in a variable once the build expands it. */
static gboolean
check_stopsignal (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
                  GError **error)
{
  int signal;

  if (!check_one (df, insn, upper, error))
    return FALSE;
  if (strchr (insn->args[0], '$') == NULL && !pier_signal_parse (insn->args[0], &signal, error))
    {
      g_prefix_error (error, _("STOPSIGNAL: "));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_shell (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
             GError **error)
{
  if (!insn->json_form || insn->n_args == 0)
    return pier_dockerfile_invalid (error, _("SHELL takes a JSON array: "
                                      "SHELL [\"executable\", \"parameters\"]"));
  return TRUE;
}

static gboolean check_onbuild (const PierDockerfile *df, const PierInstruction *insn,
                               const char *upper, GError **error);

static const Spec specs[] = {
  { "add", add_flags, check_copy },
  { "arg", no_flags, check_arg },
  { "cmd", no_flags, check_any },
  { "copy", copy_flags, check_copy },
  { "entrypoint", no_flags, check_any },
  { "env", no_flags, check_pairs },
  { "expose", no_flags, check_some },
  { "from", from_flags, check_from },
  { "healthcheck", NULL, check_healthcheck },
  { "label", no_flags, check_pairs },
  { "maintainer", no_flags, check_one },
  { "onbuild", no_flags, check_onbuild },
  { "run", run_flags, check_run },
  { "shell", no_flags, check_shell },
  { "stopsignal", no_flags, check_stopsignal },
  { "user", no_flags, check_one },
  { "volume", no_flags, check_volume },
  { "workdir", no_flags, check_one },
};

/* Levenshtein distance, for "did you mean". */
static guint
distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0];

      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));
          diag = up;
        }
    }
  return row[lb];
}

static gboolean
unknown_instruction (const PierInstruction *insn, GError **error)
{
  g_autofree char *upper = g_ascii_strup (insn->keyword, -1);
  const char *best = NULL;
  guint best_distance = 3;

  if (*upper == '\0')
    return pier_dockerfile_invalid (error, _("a line continuation with no instruction"));
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      guint d = distance (insn->keyword, specs[i].keyword);

      if (d < best_distance)
        {
          best_distance = d;
          best = specs[i].keyword;
        }
    }
  if (best != NULL && strlen (insn->keyword) > best_distance)
    {
      g_autofree char *suggestion = g_ascii_strup (best, -1);

      return pier_dockerfile_invalid (error, _("unknown instruction %s (did you mean %s?)"), upper,
                                      suggestion);
    }
  return pier_dockerfile_invalid (error, _("unknown instruction %s"), upper);
}

/* All of an instruction ends up in the image's JSON (its config, or the history's created_by),
 * and JSON text is UTF-8: refused here by name rather than lost or refused after the build. */
static gboolean
check_utf8 (const PierInstruction *insn, const char *upper, GError **error)
{
  g_autofree char *what = NULL;

  for (guint a = 0; a < insn->n_args; a++)
    if (!g_utf8_validate (insn->args[a], -1, NULL))
      {
        what = g_strdup_printf ("%s argument %u", upper, a + 1);
        return pier_json_validate_text (what, insn->args[a], error);
      }
  for (guint f = 0; f < insn->n_flags; f++)
    {
      what = g_strdup_printf ("%s --%s", upper, insn->flags[f].name);
      if (!pier_json_validate_text (what, insn->flags[f].name, error) ||
          (insn->flags[f].value != NULL &&
           !pier_json_validate_text (what, insn->flags[f].value, error)))
        return FALSE;
      g_clear_pointer (&what, g_free);
    }
  for (guint h = 0; h < insn->n_heredocs; h++)
    {
      what = g_strdup_printf ("%s heredoc %s", upper, insn->heredocs[h].name);
      if (!pier_json_validate_text (what, insn->heredocs[h].name, error) ||
          !pier_json_validate_text (what, insn->heredocs[h].content, error))
        return FALSE;
      g_clear_pointer (&what, g_free);
    }
  /* ONBUILD's trigger is checked as an instruction of its own, by the part it is in. */
  return insn->onbuild != NULL || pier_json_validate_text (upper, insn->original, error);
}

static gboolean
check_instruction (const PierDockerfile *df, const PierInstruction *insn, GError **error)
{
  g_autofree char *upper = g_ascii_strup (insn->keyword, -1);

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      if (strcmp (specs[i].keyword, insn->keyword) != 0)
        continue;
      if (specs[i].flags != NULL && !check_flags (insn, specs[i].flags, upper, error))
        return FALSE;
      for (guint a = 0; a < insn->n_args; a++)
        if (strlen (insn->args[a]) != insn->arg_lengths[a])
          return pier_dockerfile_invalid (error,
                                          _("%s: argument %u holds a NUL character (\\u0000)"),
                                          upper, a + 1);
      if (!check_utf8 (insn, upper, error))
        return FALSE;
      return specs[i].check (df, insn, upper, error);
    }
  return unknown_instruction (insn, error);
}

static gboolean
check_onbuild (const PierDockerfile *df, const PierInstruction *insn, const char *upper,
               GError **error)
{
  const char *trigger;

  if (insn->onbuild == NULL)
    return pier_dockerfile_invalid (error, _("ONBUILD needs an instruction to run in builds "
                                      "based on this image"));
  trigger = insn->onbuild->keyword;
  if (strcmp (trigger, "onbuild") == 0)
    return pier_dockerfile_invalid (error, _("ONBUILD ONBUILD is not allowed: "
                                      "a trigger cannot add triggers"));
  if (strcmp (trigger, "from") == 0 || strcmp (trigger, "maintainer") == 0)
    {
      g_autofree char *name = g_ascii_strup (trigger, -1);

      return pier_dockerfile_invalid (error, _("%s is not allowed as an ONBUILD trigger"), name);
    }
  if (!check_instruction (df, insn->onbuild, error))
    {
      g_prefix_error (error, "ONBUILD: ");
      return FALSE;
    }
  return TRUE;
}

gboolean
pier_dockerfile_validate (const PierDockerfile *df, GError **error)
{
  gboolean seen_from = FALSE;

  for (guint i = 0; i < df->n_instructions; i++)
    {
      const PierInstruction *insn = df->instructions[i];
      g_autoptr (GError) local = NULL;

      if (!check_instruction (df, insn, &local))
        return pier_dockerfile_fail (error, df->filename, insn->line, "%s", local->message);
      seen_from |= strcmp (insn->keyword, "from") == 0;
      if (!seen_from && strcmp (insn->keyword, "arg") != 0)
        {
          g_autofree char *upper = g_ascii_strup (insn->keyword, -1);

          return pier_dockerfile_fail (error, df->filename, insn->line,
                                       _("%s before the first FROM: only ARG may come before FROM"),
                                       upper);
        }
    }
  if (!seen_from)
    return pier_dockerfile_fail (error, df->filename, df->instructions[0]->line,
                                 _("no FROM: a Dockerfile needs at least one stage"));
  return TRUE;
}

/* Go's time.ParseDuration. */
gboolean
pier_dockerfile_parse_duration (const char *text, gint64 *nanoseconds, GError **error)
{
  static const struct { const char *unit; guint64 scale; } units[] = {
    { "ns", 1 }, { "us", 1000 }, { "\xC2\xB5s", 1000 }, { "\xCE\xBCs", 1000 },
    { "ms", 1000000 }, { "s", G_GUINT64_CONSTANT (1000000000) },
    { "m", G_GUINT64_CONSTANT (60000000000) }, { "h", G_GUINT64_CONSTANT (3600000000000) },
  };
  const guint64 limit = G_GUINT64_CONSTANT (1) << 63;
  const char *s = text;
  gboolean negative = FALSE;
  guint64 total = 0;

  if (*s == '-' || *s == '+')
    negative = *s++ == '-';
  if (strcmp (s, "0") == 0)
    {
      *nanoseconds = 0;
      return TRUE;
    }
  if (*s == '\0')
    return pier_dockerfile_invalid (error, _("invalid duration “%s”: write a number and a unit, "
                                      "such as 30s"), text);
  while (*s != '\0')
    {
      guint64 whole = 0, fraction = 0, scale = 1, value;
      gboolean digits = FALSE;
      const char *unit;
      gsize unit_len;
      guint u;

      for (; g_ascii_isdigit (*s); s++, digits = TRUE)
        {
          if (whole > (limit - 9) / 10)
            return pier_dockerfile_invalid (error, _("invalid duration “%s”: too long"), text);
          whole = whole * 10 + (guint64) (*s - '0');
        }
      if (*s == '.')
        for (s++; g_ascii_isdigit (*s); s++, digits = TRUE)
          if (scale < G_GUINT64_CONSTANT (1000000000000000000))
            {
              fraction = fraction * 10 + (guint64) (*s - '0');
              scale *= 10;
            }
      if (!digits)
        return pier_dockerfile_invalid (error, _("invalid duration “%s”"), text);
      unit = s;
      while (*s != '\0' && *s != '.' && !g_ascii_isdigit (*s))
        s++;
      unit_len = s - unit;
      if (unit_len == 0)
        return pier_dockerfile_invalid (error, _("invalid duration “%s”: a unit is missing "
                                          "(ns, us, ms, s, m, h)"), text);
      for (u = 0; u < G_N_ELEMENTS (units); u++)
        if (strlen (units[u].unit) == unit_len && memcmp (units[u].unit, unit, unit_len) == 0)
          break;
      if (u == G_N_ELEMENTS (units))
        return pier_dockerfile_invalid (error,
                                        _("invalid duration “%s”: unknown unit “%.*s”"), text,
                                        (int) unit_len, unit);
      if (whole > limit / units[u].scale)
        return pier_dockerfile_invalid (error, _("invalid duration “%s”: too long"), text);
      value = whole * units[u].scale
              + (guint64) ((long double) fraction * units[u].scale / scale);
      if (value > limit || total > limit - value)
        return pier_dockerfile_invalid (error, _("invalid duration “%s”: too long"), text);
      total += value;
    }
  if (total > limit - (negative ? 0 : 1))
    return pier_dockerfile_invalid (error, _("invalid duration “%s”: too long"), text);
  *nanoseconds = negative ? (gint64) (0 - total) : (gint64) total;
  return TRUE;
}
