"""Three tiny annotated documents that model tests train on (shared by the CNN and trf tests)."""
import spacy
from spacy.training import Example

from fupin.docio import record_to_doc
from fupin.markup import parse_document

MARKUP = [
    "[[到2018年底|DEADLINE#d1]],[[全市|REGION#r1]][[70个贫困村|VILLAGE_COUNT>d1,r1]]全部摘帽、"
    "[[2.6万余贫困人口|POPULATION>d1,r1]]全部脱贫。",
    "[[南部县|REGION#r1]][[2016年底|DATE#d1]]贫困人口减至[[8677户|HOUSEHOLD_COUNT>d1,r1]]"
    "[[26093人|POPULATION>d1,r1]],贫困发生率降至[[2.52%|PERCENT>d1,r1]]。",
    "[[今年|DEADLINE#d1]][[全省|REGION#r1]]计划完成[[易地扶贫搬迁|PROGRAM#p1]][[15万人|POPULATION>d1,r1,p1]],"
    "投入资金[[30亿元|MONEY>d1,r1,p1]]。",
]


def tiny_records():
    """The MARKUP documents as SCHEMA records (values not filled)."""
    out = []
    for i, m in enumerate(MARKUP):
        doc = parse_document(f"t{i}", {"date": "2017-03-01"}, m)
        out.append({"id": doc.id, "text": doc.text, "meta": doc.meta, "spans": doc.spans, "relations": doc.relations})
    return out


def train_tiny(nlp, steps: int, learn_rate: float, annotates=()):
    """Initialise ``nlp`` on the tiny documents and update it ``steps`` times on all
    three (fresh predicted docs each step, as ``spacy train``'s corpus reader makes
    them). Returns the losses of every step."""
    blank = spacy.blank("zh")
    gold = [record_to_doc(blank, r) for r in tiny_records()]

    def examples():
        return [Example(nlp.make_doc(d.text), d) for d in gold]

    optimizer = nlp.initialize(examples)
    optimizer.learn_rate = learn_rate
    history = []
    for _ in range(steps):
        losses = {}
        nlp.update(examples(), sgd=optimizer, losses=losses, annotates=list(annotates), drop=0.0)
        history.append(losses)
    return history
