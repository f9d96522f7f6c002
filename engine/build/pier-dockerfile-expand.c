/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dockerfile-private.h"

#include <string.h>

/* Which parts Docker expands follows the reference's "Environment replacement" list and
 * BuildKit's Expand methods (instructions/commands.go). */

typedef struct {
  char escape;
  PierShellLookupFunc lookup;
  gpointer user_data;
} Expander;

static char *
expand (const Expander *e, const char *word, GError **error)
{
  return pier_shell_expand_word (word, e->escape, PIER_SHELL_WORDS_DEFAULT, e->lookup,
                                 e->user_data, error);
}

static gboolean
expand_flags (const Expander *e, PierInstruction *insn, const char *const *names,
              GError **error)
{
  for (guint i = 0; i < insn->n_flags; i++)
    {
      PierInstructionFlag *flag = &insn->flags[i];
      char *value;

      if (flag->value == NULL || !g_strv_contains (names, flag->name))
        continue;
      value = expand (e, flag->value, error);
      if (value == NULL)
        return FALSE;
      g_free (flag->value);
      flag->value = value;
    }
  return TRUE;
}

/* Every argument (with @first_only, only the first: FROM IMAGE AS name), each to one word. */
static gboolean
expand_args (const Expander *e, PierInstruction *insn, gboolean first_only, GError **error)
{
  PierArgList list;
  gboolean ok = TRUE;

  pier_arg_list_init (&list);
  for (guint i = 0; ok && i < insn->n_args; i++)
    {
      char *value = i == 0 || !first_only ? expand (e, insn->args[i], error)
                                          : g_strdup (insn->args[i]);

      if (value == NULL)
        ok = FALSE;
      else
        pier_arg_list_take (&list, value);
    }
  if (ok)
    pier_arg_list_finish (&list, insn);
  pier_arg_list_clear (&list);
  return ok;
}

/* EXPOSE: a variable may hold several ports. */
static gboolean
expand_split_args (const Expander *e, PierInstruction *insn, GError **error)
{
  PierArgList list;
  gboolean ok = TRUE;

  pier_arg_list_init (&list);
  for (guint i = 0; ok && i < insn->n_args; i++)
    {
      g_auto (GStrv) words = pier_shell_expand_words (insn->args[i], e->escape,
                                                      PIER_SHELL_WORDS_DEFAULT, e->lookup,
                                                      e->user_data, error);

      ok = words != NULL;
      for (char **w = words; ok && *w != NULL; w++)
        pier_arg_list_take (&list, g_strdup (*w));
    }
  if (ok)
    pier_arg_list_finish (&list, insn);
  pier_arg_list_clear (&list);
  return ok;
}

/* ARG NAME=default: the name and the default separately. */
static gboolean
expand_arg_words (const Expander *e, PierInstruction *insn, GError **error)
{
  PierArgList list;
  gboolean ok = TRUE;

  pier_arg_list_init (&list);
  for (guint i = 0; ok && i < insn->n_args; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *new_name = NULL;
      g_autofree char *new_value = NULL;

      pier_dockerfile_split_arg (insn->args[i], &name, &value);
      new_name = expand (e, name, error);
      if (new_name != NULL && value != NULL)
        new_value = expand (e, value, error);
      ok = new_name != NULL && (value == NULL || new_value != NULL);
      if (ok)
        pier_arg_list_take (&list, new_value != NULL ? g_strconcat (new_name, "=", new_value, NULL)
                                                     : g_steal_pointer (&new_name));
    }
  if (ok)
    pier_arg_list_finish (&list, insn);
  pier_arg_list_clear (&list);
  return ok;
}

/* Heredoc bodies of COPY/ADD: quotes are text there, and the escape is always "\". */
static gboolean
expand_heredocs (const Expander *e, PierInstruction *insn, GError **error)
{
  for (guint i = 0; i < insn->n_heredocs; i++)
    {
      PierHeredoc *doc = &insn->heredocs[i];
      char *content;

      if (!doc->expand)
        continue;
      content = pier_shell_expand_word (doc->content, '\\', PIER_SHELL_WORDS_NO_QUOTES,
                                        e->lookup, e->user_data, error);
      if (content == NULL)
        return FALSE;
      g_free (doc->content);
      doc->content = content;
    }
  return TRUE;
}

static gboolean
expand_instruction (const Expander *e, PierInstruction *insn, GError **error)
{
  static const char *const copy_flags[] = { "chown", "chmod", "from", "checksum", "exclude",
                                            NULL };
  static const char *const from_flags[] = { "platform", NULL };
  static const char *const run_flags[] = { "mount", NULL };
  const char *k = insn->keyword;

  if (strcmp (k, "add") == 0 || strcmp (k, "copy") == 0)
    return expand_flags (e, insn, copy_flags, error) && expand_args (e, insn, FALSE, error)
           && expand_heredocs (e, insn, error);
  if (strcmp (k, "from") == 0)
    return expand_flags (e, insn, from_flags, error) && expand_args (e, insn, TRUE, error);
  if (strcmp (k, "run") == 0)
    return expand_flags (e, insn, run_flags, error);
  if (strcmp (k, "expose") == 0)
    return expand_split_args (e, insn, error);
  if (strcmp (k, "arg") == 0)
    return expand_arg_words (e, insn, error);
  if (strcmp (k, "env") == 0 || strcmp (k, "label") == 0 || strcmp (k, "stopsignal") == 0
      || strcmp (k, "user") == 0 || strcmp (k, "volume") == 0 || strcmp (k, "workdir") == 0)
    return expand_args (e, insn, FALSE, error);
  return TRUE;
}

PierInstruction *
pier_dockerfile_expand (const PierDockerfile *df, const PierInstruction *insn,
                        PierShellLookupFunc lookup, gpointer user_data, GError **error)
{
  g_autoptr (PierInstruction) copy = pier_instruction_copy (insn);
  Expander e = { df->escape, lookup, user_data };
  g_autoptr (GError) local = NULL;

  if (!expand_instruction (&e, copy, &local))
    {
      pier_dockerfile_fail (error, df->filename, insn->line, "%s", local->message);
      return NULL;
    }
  return g_steal_pointer (&copy);
}

/* ---- scope ---- */

typedef struct {
  char *name;
  char *value;   /* NULL: declared without a value */
} Var;

/* Variables in definition order, found by name in constant time: a Dockerfile of thousands
 * of ENV lines looks one up at every step. */
typedef struct {
  GPtrArray *order;   /* Var, owned */
  GHashTable *index;  /* name → Var in order */
} Vars;

struct _PierDockerfileScope {
  GHashTable *build_args;
  GHashTable *predefined;
  Vars globals;   /* ARGs before the first FROM */
  Vars args;      /* the current stage's ARGs */
  Vars env;       /* the current stage's ENV */
  gboolean in_stage;
};

static void
var_free (Var *var)
{
  g_free (var->name);
  g_free (var->value);
  g_free (var);
}

static void
vars_init (Vars *vars)
{
  vars->order = g_ptr_array_new_with_free_func ((GDestroyNotify) var_free);
  vars->index = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
vars_clear (Vars *vars)
{
  g_hash_table_remove_all (vars->index);
  g_ptr_array_set_size (vars->order, 0);
}

static void
vars_destroy (Vars *vars)
{
  g_hash_table_unref (vars->index);
  g_ptr_array_unref (vars->order);
}

static const Var *
vars_find (const Vars *vars, const char *name)
{
  return g_hash_table_lookup (vars->index, name);
}

/* Sets @name in @vars, keeping its first position. */
static void
vars_set (Vars *vars, const char *name, const char *value)
{
  Var *var = g_hash_table_lookup (vars->index, name);

  if (var != NULL)
    {
      g_free (var->value);
      var->value = g_strdup (value);
      return;
    }
  var = g_new0 (Var, 1);
  var->name = g_strdup (name);
  var->value = g_strdup (value);
  g_ptr_array_add (vars->order, var);
  g_hash_table_insert (vars->index, var->name, var);
}

PierDockerfileScope *
pier_dockerfile_scope_new (GHashTable *build_args)
{
  PierDockerfileScope *scope = g_new0 (PierDockerfileScope, 1);
  GHashTableIter iter;
  gpointer key, value;

  scope->build_args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  scope->predefined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  vars_init (&scope->globals);
  vars_init (&scope->args);
  vars_init (&scope->env);
  if (build_args != NULL)
    {
      g_hash_table_iter_init (&iter, build_args);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (scope->build_args, g_strdup (key), g_strdup (value));
    }
  return scope;
}

void
pier_dockerfile_scope_free (PierDockerfileScope *scope)
{
  if (scope == NULL)
    return;
  g_hash_table_unref (scope->build_args);
  g_hash_table_unref (scope->predefined);
  vars_destroy (&scope->globals);
  vars_destroy (&scope->args);
  vars_destroy (&scope->env);
  g_free (scope);
}

void
pier_dockerfile_scope_set_predefined (PierDockerfileScope *scope, const char *name,
                                      const char *value)
{
  g_hash_table_insert (scope->predefined, g_strdup (name), g_strdup (value));
}

void
pier_dockerfile_scope_set_env (PierDockerfileScope *scope, const char *name, const char *value)
{
  vars_set (&scope->env, name, value);
}

static gboolean
global_lookup (const char *name, const char **value, gpointer user_data)
{
  PierDockerfileScope *scope = user_data;
  const Var *var = vars_find (&scope->globals, name);

  if (var != NULL && var->value != NULL)
    {
      *value = var->value;
      return TRUE;
    }
  return g_hash_table_lookup_extended (scope->predefined, name, NULL, (gpointer *) value);
}

gboolean
pier_dockerfile_scope_lookup (const char *name, const char **value, gpointer user_data)
{
  PierDockerfileScope *scope = user_data;
  const Var *var;

  if (!scope->in_stage)
    return global_lookup (name, value, scope);
  var = vars_find (&scope->env, name);
  if (var == NULL)
    var = vars_find (&scope->args, name);
  if (var == NULL || var->value == NULL)
    return FALSE;
  *value = var->value;
  return TRUE;
}

/* An ARG's value: --build-arg, else its default, else (a bare ARG in a stage) the global
 * ARG's or predefined value. */
static void
declare_arg (PierDockerfileScope *scope, const char *word)
{
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  const char *given = NULL;

  pier_dockerfile_split_arg (word, &name, &value);
  if (g_hash_table_lookup_extended (scope->build_args, name, NULL, (gpointer *) &given))
    {
      g_free (value);
      value = g_strdup (given);
    }
  else if (value == NULL && global_lookup (name, &given, scope))
    value = g_strdup (given);
  vars_set (scope->in_stage ? &scope->args : &scope->globals, name, value);
}

PierInstruction *
pier_dockerfile_scope_step (PierDockerfileScope *scope, const PierDockerfile *df,
                            const PierInstruction *insn, GError **error)
{
  gboolean from = strcmp (insn->keyword, "from") == 0;
  PierInstruction *expanded;

  expanded = pier_dockerfile_expand (df, insn, from ? global_lookup : pier_dockerfile_scope_lookup,
                                     scope, error);
  if (expanded == NULL)
    return NULL;
  if (from)
    {
      scope->in_stage = TRUE;
      vars_clear (&scope->args);
      vars_clear (&scope->env);
    }
  else if (strcmp (insn->keyword, "arg") == 0)
    {
      for (guint i = 0; i < expanded->n_args; i++)
        declare_arg (scope, expanded->args[i]);
    }
  else if (strcmp (insn->keyword, "env") == 0)
    {
      for (guint i = 0; i + 1 < expanded->n_args; i += 2)
        vars_set (&scope->env, expanded->args[i], expanded->args[i + 1]);
    }
  return expanded;
}

char **
pier_dockerfile_scope_get_run_environment (const PierDockerfileScope *scope)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < scope->env.order->len; i++)
    {
      const Var *var = g_ptr_array_index (scope->env.order, i);

      g_ptr_array_add (out, g_strconcat (var->name, "=", var->value, NULL));
    }
  for (guint i = 0; i < scope->args.order->len; i++)
    {
      const Var *var = g_ptr_array_index (scope->args.order, i);

      if (var->value != NULL && vars_find (&scope->env, var->name) == NULL)
        g_ptr_array_add (out, g_strconcat (var->name, "=", var->value, NULL));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}
