/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-shell-words.h"

#include <glib.h>

G_BEGIN_DECLS

/* A Dockerfile (Containerfile) parsed the way BuildKit parses it: parser directives
 * (# escape=, # syntax=, # check=), comments, line continuations (comments and blank lines may
 * sit inside them), JSON and shell forms, builder flags, heredocs. Arguments are kept raw:
 * quotes and $VARIABLES stay as written until pier_dockerfile_expand() or a scope is asked. */

typedef struct {
  char *name;   /* without the leading "--": "mount", "from", "chown" */
  char *value;  /* after "=", or NULL for a bare boolean flag ("--link") */
} PierInstructionFlag;

typedef struct {
  char *name;       /* the delimiter word, quotes removed: <<"EOF" → "EOF" */
  char *content;    /* the lines up to the delimiter, each with its newline; for <<- with the
                       leading tabs of every line already removed */
  gboolean expand;  /* the delimiter was unquoted: $VARIABLES in content are live */
  gboolean chomp;   /* written <<- */
  guint fd;         /* 3<<EOF → 3; 0 when not given */
} PierHeredoc;

typedef struct _PierInstruction PierInstruction;
struct _PierInstruction {
  guint line;               /* 1-based first line */
  guint end_line;           /* last line, continuation and heredoc lines included */
  char *keyword;            /* lowercase: "run", "copy"; unknown words are kept in SYNTAX_ONLY */
  char *original;           /* the logical line, continuations joined, as BuildKit keeps it */
  PierInstructionFlag *flags;
  guint n_flags;
  /* The arguments, by instruction:
   *   from: whitespace-separated words ([image] or [image, "AS", name]);
   *   run cmd entrypoint shell: JSON form → the array's strings; shell form → one string;
   *   healthcheck: [type, command...] with the command as for cmd ("NONE" alone for NONE);
   *   env label: name, value pairs (quotes still in the value); see key_value_legacy;
   *   arg: the words ("NAME" or "NAME=default", quotes kept): pier_dockerfile_split_arg ();
   *   add copy volume: JSON form → the strings; else whitespace-separated words;
   *   expose: whitespace-separated words;
   *   maintainer user workdir stopsignal: the rest of the line as one string;
   *   onbuild: none (see onbuild). */
  char **args;              /* NULL-terminated */
  gsize *arg_lengths;       /* args[i] is arg_lengths[i] bytes: only a JSON "\u0000" makes it
                               differ from strlen(), and pier_dockerfile_parse() refuses that
                               unless SYNTAX_ONLY */
  guint n_args;
  gboolean json_form;       /* arguments came from a JSON array */
  gboolean key_value_legacy;/* env/label written "NAME value" (one pair, no "=") */
  PierHeredoc *heredocs;
  guint n_heredocs;
  PierInstruction *onbuild; /* ONBUILD's trigger instruction (same lines), else NULL */
};

typedef struct {
  guint index;              /* 0-based, in file order */
  char *name;               /* "AS name", lowercased; NULL when unnamed */
  char *base;               /* the image or earlier stage named by FROM, unexpanded */
  char *platform;           /* --platform value, unexpanded, or NULL */
  guint from;               /* index of the FROM in instructions */
  guint n_instructions;     /* instructions of the stage, the FROM included */
} PierDockerfileStage;

typedef struct {
  char *filename;           /* as given to parse, for messages */
  char escape;              /* '\\' or '`' */
  char *syntax;             /* "# syntax=" value or NULL */
  char *check;              /* "# check=" value or NULL */
  PierInstruction **instructions;
  guint n_instructions;
  PierDockerfileStage *stages;
  guint n_stages;
} PierDockerfile;

typedef enum {
  PIER_DOCKERFILE_PARSE_DEFAULT = 0,
  /* Stop where BuildKit's parser stops: unknown instructions and flags, wrong argument counts
   * and other per-instruction mistakes are kept rather than refused (used to compare with
   * BuildKit's parse trees). */
  PIER_DOCKERFILE_PARSE_SYNTAX_ONLY = 1 << 0,
} PierDockerfileParseFlags;

/* Parses @length bytes of @data. @filename (NULL: "Dockerfile") only names the file in errors,
 * which are PIER_ERROR_INVALID with messages "FILENAME:LINE: what is wrong". */
PierDockerfile *pier_dockerfile_parse (const char *data, gsize length, const char *filename,
                                       PierDockerfileParseFlags flags, GError **error);
void pier_dockerfile_free (PierDockerfile *df);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDockerfile, pier_dockerfile_free)

/* The per-instruction checks pier_dockerfile_parse() makes unless SYNTAX_ONLY: known
 * instructions and flags, argument counts, JSON where required, stage names, HEALTHCHECK
 * durations, only ARG before the first FROM, ONBUILD triggers. */
gboolean pier_dockerfile_validate (const PierDockerfile *df, GError **error);

/* The stage named @name (case-insensitive) or numbered @name ("0"), or NULL. */
const PierDockerfileStage *pier_dockerfile_find_stage (const PierDockerfile *df,
                                                       const char *name);

/* The value of flag --@name, or NULL (also for a bare flag: use has_flag). */
const char *pier_instruction_get_flag (const PierInstruction *insn, const char *name);
gboolean pier_instruction_has_flag (const PierInstruction *insn, const char *name);

/* Splits an ARG word "NAME=value" (value NULL for a bare "NAME"). */
void pier_dockerfile_split_arg (const char *word, char **name, char **value);

/* Go duration syntax as HEALTHCHECK takes it ("1m30s", "250ms", "0"); nanoseconds. */
gboolean pier_dockerfile_parse_duration (const char *text, gint64 *nanoseconds, GError **error);

PierInstruction *pier_instruction_copy (const PierInstruction *insn);
void pier_instruction_free (PierInstruction *insn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierInstruction, pier_instruction_free)

/* A copy of @insn with variables expanded where Docker expands them: the arguments of ADD COPY
 * ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR and ARG (names and defaults), the
 * --chown --chmod --from --checksum --exclude flags of COPY/ADD, --platform of FROM, --mount of
 * RUN, and the content of COPY/ADD heredocs with unquoted delimiters. Quotes are removed from
 * what is expanded; EXPOSE splits a variable holding several ports. Other instructions (RUN's
 * command, CMD, ONBUILD, ...) come back unchanged. Errors are "FILENAME:LINE: ...". */
PierInstruction *pier_dockerfile_expand (const PierDockerfile *df, const PierInstruction *insn,
                                         PierShellLookupFunc lookup, gpointer user_data,
                                         GError **error);

/* The parse as JSON for `pierctl build --check`: {"escape", "syntax", "check", "stages":
 * [{index, name, base, platform, line}], "instructions": [{line, end_line, instruction, flags:
 * [{name, value}], arguments, json, heredocs: [{name, fd, expand, chomp, content}], onbuild?}]}.
 * Pretty-printed, ending with a newline. */
char *pier_dockerfile_to_json (const PierDockerfile *df);

/* ARG and ENV as a build sees them, instruction after instruction. ARGs before the first FROM
 * (and predefined ones such as TARGETARCH) are global: usable in FROM lines, and inside a
 * stage only once redeclared by a bare "ARG NAME". Within a stage, ENV wins over ARG of the
 * same name. --build-arg values override ARG defaults. */
typedef struct _PierDockerfileScope PierDockerfileScope;

/* @build_args: name → value (copied; may be NULL). */
PierDockerfileScope *pier_dockerfile_scope_new (GHashTable *build_args);
void pier_dockerfile_scope_free (PierDockerfileScope *scope);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDockerfileScope, pier_dockerfile_scope_free)

/* A predefined global ARG (TARGETPLATFORM, BUILDARCH, ...). */
void pier_dockerfile_scope_set_predefined (PierDockerfileScope *scope, const char *name,
                                           const char *value);
/* An environment variable of the current stage: the builder sets the base image's Env after
 * a FROM step. */
void pier_dockerfile_scope_set_env (PierDockerfileScope *scope, const char *name,
                                    const char *value);

/* Expands @insn in the current scope (pier_dockerfile_expand) and applies it: FROM starts a new
 * stage with an empty environment, ARG declares, ENV sets. Returns the expanded copy. */
PierInstruction *pier_dockerfile_scope_step (PierDockerfileScope *scope,
                                             const PierDockerfile *df,
                                             const PierInstruction *insn, GError **error);

/* A PierShellLookupFunc (user_data: the scope) for what the current position can see. */
gboolean pier_dockerfile_scope_lookup (const char *name, const char **value, gpointer scope);

/* What a RUN at the current position gets: the stage's ENV, then its ARGs that ENV does not
 * shadow, as "NAME=value", in definition order. */
char **pier_dockerfile_scope_get_run_environment (const PierDockerfileScope *scope);

G_END_DECLS
