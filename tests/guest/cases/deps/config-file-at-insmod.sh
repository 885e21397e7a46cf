# /etc/preload-modules.conf is read when preload loads; config= overrides it;
# a named file that is missing or bad fails the insmod with a clear message.
# Debian's readahead daemon, also named preload, owns /etc/preload.conf (an
# INI file): preload never reads it, and names it if a config= points there.
. "$(dirname "$0")/../../lib.sh"
printf '# test config\npl_c: pl_d\n\npl-a: pl_b\n' > /etc/preload-modules.conf
printf '# the readahead daemon'"'"'s\n[model]\ncycle = 20\n' > /etc/preload.conf
check "insmod preload reads /etc/preload-modules.conf" start_preload
check "the list holds its entries" deps_are 'pl_a: pl_b\npl_c: pl_d'
check "the entries apply" insmod "$(ko pl_c)"
check "pl_d was loaded first" holder pl_d pl_c
rmmod pl_c pl_d preload
refuse "a missing config= file fails" start_preload config=/nonexistent.conf
check "the message names the file" log_has 'preload: cannot read /nonexistent.conf'
printf 'pl_c: pl_d\npl_c pl_e\n' > /tmp/bad.conf
refuse "a bad config= file fails" start_preload config=/tmp/bad.conf
check "the message names the file and line" log_has 'preload: /tmp/bad.conf: line 2: '
refuse "the readahead daemon's INI file as config= fails" start_preload config=/etc/preload.conf
check "... naming the other package" log_has 'preload: /etc/preload.conf: line 2: an INI section header, not a dependency line: this looks like the configuration of Debian.s readahead daemon \(package preload\)'
printf 'pl_b: pl_c\n' > /tmp/good.conf
check "a good config= file is used instead of /etc/preload-modules.conf" start_preload config=/tmp/good.conf
check "the list holds its entries" deps_are 'pl_b: pl_c'
rmmod preload
: > /tmp/empty.conf
check "an empty config= file is an empty list" start_preload config=/tmp/empty.conf
check "the list is empty" deps_are ''
finish
