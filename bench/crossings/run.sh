#!/bin/bash
# usage: run.sh <before|after> <ordering> <key or ->   ; writes /tmp/xtool/out-<w>-<ordering>/
set -u
W=$1; ORD=$2; KEY=$3; WARM=${4:-0}
OUT=/tmp/xtool/out-$W-$ORD$([ $WARM = 1 ] && echo -warm); rm -rf $OUT; mkdir -p $OUT
J17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
J25=/usr/lib/jvm/temurin-25-jdk-amd64/bin
CP=/tmp/xtool:$(cat /tmp/xtool/cp)
BS=localhost:19092
$J17 -cp "$CP" Tool broker 19092 /tmp/xtool/kdata-$W-$ORD > $OUT/broker.log 2>&1 & echo $! > $OUT/broker.pid
until grep -q "BROKER READY" $OUT/broker.log; do sleep 1; done
$J17 -cp "$CP" Tool create $BS orders > $OUT/create.log 2>&1
python3 /tmp/xtool/sink.py 18080 > $OUT/sink.log 2>&1 & echo $! > $OUT/sink.pid
cd /work/wt-$W
$J25/java -XX:FlightRecorderOptions:stackdepth=512 \
  "-XX:StartFlightRecording:method-trace=$(cat /tmp/xtool/filter-$W.txt),filename=$OUT/rec.jfr" \
  -Dkafka.bootstrap.servers=$BS -Dquarkus.http.port=18081 \
  -Dsluice.config-topic-empty-wait=0s \
  -Dsluice.routes.orders.topics=orders \
  -Dsluice.routes.orders.target.url=http://127.0.0.1:18080/events \
  -Dsluice.routes.orders.ordering=$ORD \
  -jar target/quarkus-app/quarkus-run.jar > $OUT/app.log 2>&1 & echo $! > $OUT/app.pid
APP=$(cat $OUT/app.pid)
for i in $(seq 1 120); do
  curl -sf localhost:18081/q/health/ready > $OUT/ready.json 2>/dev/null && break; sleep 1; done
cat $OUT/ready.json; echo
sleep 3   # let the consumer's assignment settle
if [ $WARM = 1 ]; then
  $J17 -cp "$CP" Tool produce $BS orders "$KEY" '{"order":0}' > $OUT/produce-warmup.log 2>&1
  for i in $(seq 1 30); do grep -q POST $OUT/sink.log && break; sleep 1; done; sleep 4
fi
date -u +%FT%T.%3NZ > $OUT/t-produce
$J17 -cp "$CP" Tool produce $BS orders "$KEY" '{"order":1}' > $OUT/produce.log 2>&1; cat $OUT/produce.log
for i in $(seq 1 30); do grep -q '"order":1' $OUT/sink.log && break; sleep 1; done
sleep 4   # throttled commit: auto.commit.interval.ms=1000
$J17 -cp "$CP" Tool offsets $BS sluice > $OUT/offsets.log 2>&1; grep committed $OUT/offsets.log
$J25/jcmd $APP JFR.dump filename=$OUT/dump.jfr > $OUT/jcmd.log 2>&1
kill -TERM $APP; wait $APP 2>/dev/null
kill $(cat $OUT/sink.pid); kill $(cat $OUT/broker.pid)
wait 2>/dev/null
echo done
$J25/jfr print --json --stack-depth 512 --events jdk.MethodTrace $OUT/dump.jfr > $OUT/mt.json
python3 $(dirname $0)/compact.py $OUT/mt.json $OUT/mt.c.json
