# Guest side of tests/diag/text-poke-churn: no preload; four kernel threads
# call through a static call while it is retargeted 400 times.
MODDIR=/lib/modules/$(uname -r)/extra
insmod $MODDIR/pl_text_poke_churn.ko || exit 1
sleep 1
echo 400 > /sys/module/pl_text_poke_churn/parameters/flips || exit 1
rmmod pl_text_poke_churn && echo "text-poke-churn: no crash"
