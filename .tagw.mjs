import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import fs from 'node:fs';
if (isMainThread) {
  const lines = fs.readFileSync('/work/shared/data/chnsenticorp/train.tsv','utf8').split('\n').slice(1).filter(Boolean).map(l=>l.split('\t')[1]);
  const t0 = performance.now();
  const n = +process.argv[2];
  const parts = Array.from({length:n},(_,k)=>lines.filter((_,i)=>i%n===k));
  const res = await Promise.all(parts.map(p=>new Promise(r=>{const w=new Worker(new URL(import.meta.url),{workerData:p}); w.on('message',m=>{r(m); w.terminate();});})));
  console.log('workers',n,performance.now()-t0, res);
} else {
  const t0=performance.now();
  const j = Jieba.withDict(dict);
  const t1=performance.now();
  let c=0; for (const l of workerData) c+=j.tag(l,false).length;
  const t2=performance.now();
  let d=0; for (const l of workerData) d+=j.cut(l,false).length;
  const t3=performance.now();
  parentPort.postMessage({dict:t1-t0, tag:t2-t1, cut:t3-t2, c, d});
}
