"""Per-grade ROI recall and the confusion matrix (rows = true grade II/III/IV, columns =
predicted) of `gliofuse grade cv` / `grade ablation` runs, from their predictions.csv
(argmax of p2/p3/p4; all folds pooled). docs/results.md, "Grading: FoF ablation".

    python tools/figures/per_grade.py OUT baseline no_frl no_mca fof
"""
import csv,sys,collections
for v in sys.argv[2:]:
    rows=list(csv.DictReader(open(f"{sys.argv[1]}/{v}/predictions.csv")))
    k=list(rows[0].keys())
    conf=collections.Counter()
    per=collections.defaultdict(lambda:[0,0])
    for r in rows:
        g=int(r[k[3]]); p=[float(r[k[4]]),float(r[k[5]]),float(r[k[6]])]
        pred=2+max(range(3),key=lambda j:p[j])
        conf[(g,pred)]+=1; per[g][0]+=pred==g; per[g][1]+=1
    print(v, "ROI recall II/III/IV:", " ".join(f"{per[g][0]/per[g][1]:.3f}" for g in (2,3,4)), "confusion rows=true:", [[conf[(g,p)] for p in (2,3,4)] for g in (2,3,4)])
