"""The English and French stop words of keyword search (bm25s' lists, copied).

Copied so that answering a question never imports bm25s (and scipy, which it imports):
that costs ~0.15 s at every start of `assistant serve`. tests/test_lexical.py checks that
they are still bm25s' lists, in the same order.
"""

STOPWORDS_EN = tuple((
    "a an and are as at be but by for if in into is it no not of on or such that the their then there "
    "these they this to was will with"
).split())

STOPWORDS_FR = tuple((
    "ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez auriez aurions aurons "
    "auront aux avaient avais avait avec avez aviez avions avons ayant ayante ayantes ayants ayez ayons c "
    "ce ces d dans de des du elle en es est et eu eue eues eurent eus eusse eussent eusses eussiez "
    "eussions eut eux eûmes eût eûtes furent fus fusse fussent fusses fussiez fussions fut fûmes fût "
    "fûtes il ils j je l la le les leur lui m ma mais me mes moi mon même n ne nos notre nous on ont ou "
    "par pas pour qu que qui s sa se sera serai seraient serais serait seras serez seriez serions serons "
    "seront ses soient sois soit sommes son sont soyez soyons suis sur t ta te tes toi ton tu un une vos "
    "votre vous y à étaient étais était étant étante étantes étants étiez étions été étée étées étés êtes"
).split())
