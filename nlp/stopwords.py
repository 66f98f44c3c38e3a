"""French stop words, stored accent-folded and lower-cased.

The list is written for this project: articles, pronouns, prepositions, conjunctions,
auxiliary forms (être, avoir, faire, pouvoir...) and discourse fillers that carry no theme.
Negation words are kept out of the list on purpose ("pas", "non" are dropped, but
"contre" and "sans" stay because they change a proposal's meaning).
"""

_WORDS = """
a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais
aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels
avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons bah bien bon
c ca car ce ceci cela celle celles celui cependant certain certaine certaines certains ces
cet cette ceux chacun chacune chaque chez ci comme comment d dans de des deja depuis dont
donc du duquel elle elles en encore entre es est et etaient etais etait etant etc ete etes
etiez etions etre eu eue eues eumes eurent eus eusse eussent eusses eussiez eussions eut
eutes eux fai faire fais faisait fait faites faut fois font fur furent fus fusse fussent
fusses fussiez fussions fut futes ici il ils j je jusqu jusque l la laquelle le lequel les
lesquelles lesquels leur leurs lors lorsqu lorsque lui m ma mais me meme memes mes moi
moins mon n ne ni non nos notre nous on ont ou par parce pas peu peut peuvent plus plutot
pour pourquoi pourrait pu puis puisqu puisque qu quand que quel quelle quelles quels qui
quoi s sa sans sauf se sera serai seraient serais serait seras serez seriez serions serons
seront ses si sien sienne soi soient sois soit sommes son sont sous soyez soyons suis sur
t ta te tel telle telles tels tes toi ton toujours tous tout toute toutes tres trop tu un
une unes uns vers via voici voila vos votre vous y afin ainsi etre avoir faudrait doit
doivent devrait devraient devons dois pouvons pouvez pourraient peux veut veulent voir
deux trois cas chose choses fait faits exemple egalement notamment lieu part beaucoup tant
tres selon mieux ceux celles quelque quelques autant autrement the of and to in is it for
that this are be on with as an or by not
"""

STOP_WORDS: frozenset[str] = frozenset(_WORDS.split())
"""Folded French stop words (plus a handful of English ones seen in pasted links)."""

ELIDED_PREFIXES: frozenset[str] = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
"""Clitics written before an apostrophe (l', d', qu'...), folded."""

#: Determiners, as written (lower case, accents kept): a noun may follow one. Shared by cluster
#: names (``naming``) and synthesis headings (``_phrases``), which fold them for their matching.
DETERMINERS = frozenset(
    [
        "le",
        "la",
        "les",
        "l'",
        "un",
        "une",
        "des",
        "du",
        "au",
        "aux",
        "ce",
        "cet",
        "cette",
        "ces",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "tes",
        "son",
        "sa",
        "ses",
        "notre",
        "nos",
        "votre",
        "vos",
        "leur",
        "leurs",
        "chaque",
        "plusieurs",
        "quelques",
        "certains",
        "certaines",
        "tout",
        "toute",
        "tous",
        "toutes",
        "aucun",
        "aucune",
    ]
)


_FILLER_WORDS = """
oui non ok okay merci bonjour svp evidemment effectivement vraiment clairement absolument
chose choses fois facon maniere sorte genre cas fait faits exemple moment part lieu gens
personne personnes monde question questions probleme problemes reponse idee idees avis
proposition propositions contribution contributions sujet sujets point points besoin besoins
possibilite niveau rapport plupart ensemble reste place mise prise raison raisons aujourd
hui demain hier an ans annee annees jour jours temps-la madame monsieur etc ceci cela ca la
voila rien tout tous toute toutes autre autres meme memes partout souvent jamais ensuite
enfin surtout davantage vite ailleurs plutot assez parfois longtemps desormais ainsi aussi
hors concernant via
"""
#: Words that say nothing about a theme (accent-folded): never a cluster name's head, never a keyword.
FILLERS = frozenset(_FILLER_WORDS.split())

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
"""The French month names in calendar order, as written (dates in documents; words that date, not name, a subject)."""
