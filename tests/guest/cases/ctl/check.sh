# preloadctl check lists every problem of every file as file:line: reason,
# including cycles across files, and names modules that are not installed
# (a warning; an error with --strict).
. "$(dirname "$0")/../../lib.sh"
printf 'pl_a: pl_b\nbad line\n' > /tmp/one.conf
printf 'pl_b: pl_a\npl_c: pl_c\npl_d: ?\n' > /tmp/two.conf
check "bad files exit 1" exits 1 preloadctl check /tmp/one.conf /tmp/two.conf
check "the first file's bad line is named" said "^/tmp/one.conf:2: missing ':' after the consumer name$"
check "the second file's bad lines too" said '^/tmp/two.conf:2: pl_c depends on itself$'
check "... all of them" said "^/tmp/two.conf:3: '\?' without a module name$"
check "the cycle across the files is named" said '^/tmp/two.conf:1: dependency cycle: pl_a -> pl_b -> pl_a \(written at /tmp/one.conf:1, /tmp/two.conf:1\)$'
check "an unreadable file is named" exits 1 preloadctl check /tmp/none.conf
check "... with the reason" said '^/tmp/none.conf: cannot read: No such file or directory$'
printf 'pl_a: pl_b ?pl_gone\npl_c: pl_nowhere\n' > /tmp/missing.conf
check "a module not installed is a warning" exits 0 preloadctl check /tmp/missing.conf
# The release as a literal in the pattern: Debian's has a '+'.
release=$(uname -r | sed 's/[.+]/\\&/g')
check "... naming the module and the modules directory" said "^/tmp/missing.conf:2: warning: module pl_nowhere is not installed under /lib/modules/$release\$"
check "--strict makes it an error" exits 1 preloadctl check --strict /tmp/missing.conf
check "... not a warning" said '^/tmp/missing.conf:2: module pl_nowhere is not installed'
check "... while a missing optional dependency stays a warning" said '^/tmp/missing.conf:1: warning: optional dependency pl_gone'
printf '# fine\npl_a: pl_b\npl-c: ?pl_d\n' > /etc/preload-modules.conf
check "the default config checks" exits 0 preloadctl check --strict
check "... and says how big it is" said '^ok \(entries: 2, warnings: 0, files: 1\)$'
finish
