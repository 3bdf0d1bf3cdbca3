"""The n-gram bag alone in PyTorch, to try its settings in a minute: NB-scaled (Wang & Manning 2012) binary
uni+bigram features of regex tokens, an nn.EmbeddingBag(mode="sum", per_sample_weights) with Adam and an L2 penalty,
test accuracy after each epoch. Run from the repository root (reads ../shared/datasets/imdb):
    TOP=30000 L=400 EP=3 python Benchmarks/bag_prototype.py BUCKETS LR L2 [DROPOUT]
TOP: unigram vocabulary (most frequent, seen twice), L: last L tokens of each review (100000 = all)."""
import re, sys, time, numpy as np, torch
torch.manual_seed(0); torch.set_num_threads(2)
d="../shared/datasets/imdb"
tok=re.compile(r"[\w']+|[!?.,]")
def load(s):
    X,y=[],[]
    for l in open(f"{d}/{s}.tsv",encoding="utf-8"):
        lab,t=l.rstrip("\n").split("\t",1); X.append(tok.findall(re.sub(r"<br\s*/?>"," ",t.lower()))); y.append(1 if lab=="pos" else 0)
    return X,np.array(y)
t0=time.time(); xtr,ytr=load("train"); xte,yte=load("test")
import collections,os
c=collections.Counter(w for doc in xtr for w in doc)
TOP=int(os.environ.get('TOP','100000000')); L=int(os.environ.get('L','100000'))
vocab={w:i for i,(w,n) in enumerate(c.most_common(TOP)) if n>=2}
xtr=[x[-L:] for x in xtr]; xte=[x[-L:] for x in xte]
V=len(vocab); B=int(sys.argv[1]) if len(sys.argv)>1 else 1<<21
def feats(doc):
    ids=[vocab.get(w,-1) for w in doc]
    f=set(i for i in ids if i>=0)
    for a,b in zip(ids,ids[1:]):
        f.add(V+((a*1000003+b)%B))
    return sorted(f)
Ftr=[feats(x) for x in xtr]; Fte=[feats(x) for x in xte]
N=V+B
cnt=np.zeros((2,N))
for f,l in zip(Ftr,ytr): cnt[l,f]+=1
p=1+cnt[1]; q=1+cnt[0]; r=np.log((p/p.sum())/(q/q.sum())).astype(np.float32)
print("V",V,"features",N,"prep",time.time()-t0,flush=True)
R=torch.tensor(r)
def pack(F,idx):
    ids=torch.tensor(np.concatenate([F[i] for i in idx]),dtype=torch.long)
    off=torch.tensor(np.cumsum([0]+[len(F[i]) for i in idx[:-1]]),dtype=torch.long)
    return ids,off
import itertools
lr=float(sys.argv[2]) if len(sys.argv)>2 else 0.01; wd=float(sys.argv[3]) if len(sys.argv)>3 else 0; dr=float(sys.argv[4]) if len(sys.argv)>4 else 0
emb=torch.nn.EmbeddingBag(N,1,mode="sum"); torch.nn.init.zeros_(emb.weight); bias=torch.nn.Parameter(torch.zeros(1))
opt=torch.optim.Adam([emb.weight,bias],lr=lr)
yt=torch.tensor(ytr,dtype=torch.float32)
for ep in range(int(os.environ.get('EP','6'))):
    perm=np.random.permutation(len(Ftr))
    for s in range(0,len(perm),64):
        idx=perm[s:s+64]; ids,off=pack(Ftr,idx)
        w=R[ids]
        if dr>0: w=w*(torch.rand_like(w)>dr).float()/(1-dr)
        z=emb(ids,off,per_sample_weights=w).squeeze(1)+bias
        loss=torch.nn.functional.binary_cross_entropy_with_logits(z,yt[idx])+wd*(emb.weight**2).sum()
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        ids,off=pack(Fte,list(range(len(Fte)))); z=emb(ids,off,per_sample_weights=R[ids]).squeeze(1)+bias
        print(ep,"test",float(((z>0).numpy()==yte).mean()),time.time()-t0,flush=True)
