"""Word lists for English news attribution. General vocabulary only."""

from __future__ import annotations


def _forms(*stems: str) -> frozenset[str]:
    out: set[str] = set()
    for s in stems:
        out.update(s.split("/"))
    return frozenset(out)


SPEECH_VERBS = _forms(
    "say/says/said/saying", "tell/tells/told/telling", "add/adds/added",
    "ask/asks/asked", "write/writes/wrote", "explain/explains/explained",
    "note/notes/noted", "continue/continues/continued", "declare/declares/declared",
    "state/stated", "argue/argues/argued", "insist/insists/insisted",
    "claim/claims/claimed", "tweet/tweets/tweeted", "post/posted",
    "respond/responds/responded", "reply/replies/replied", "recall/recalls/recalled",
    "warn/warns/warned", "acknowledge/acknowledges/acknowledged", "admit/admits/admitted",
    "announce/announces/announced", "quip/quips/quipped", "joke/jokes/joked",
    "remark/remarks/remarked", "observe/observes/observed", "suggest/suggests/suggested",
    "urge/urges/urged", "predict/predicts/predicted", "promise/promises/promised",
    "vow/vows/vowed", "pledge/pledges/pledged", "concede/concedes/conceded",
    "counter/counters/countered", "complain/complains/complained",
    "shout/shouts/shouted", "yell/yells/yelled", "testify/testifies/testified",
    "report/reports/reported", "boast/boasts/boasted", "scold/scolds/scolded",
    "describe/describes/described", "call/calls/called", "agree/agrees/agreed",
    "emphasize/emphasizes/emphasized", "stress/stresses/stressed",
    "contend/contends/contended", "assert/asserts/asserted", "maintain/maintains/maintained",
    "confirm/confirms/confirmed", "deny/denies/denied", "recount/recounts/recounted",
    "sing/sings/sang", "chant/chants/chanted", "exclaim/exclaims/exclaimed",
    "wonder/wonders/wondered", "muse/muses/mused", "conclude/concludes/concluded",
    "proclaim/proclaims/proclaimed", "repeat/repeats/repeated",
    "reiterate/reiterates/reiterated", "lament/laments/lamented", "retort/retorts/retorted",
    "interject/interjects/interjected", "whisper/whispers/whispered",
    "caution/cautions/cautioned", "speculate/speculates/speculated",
    "allege/alleges/alleged", "accuse/accuses/accused", "praise/praises/praised",
    "criticize/criticizes/criticized", "thank/thanks/thanked", "tout/touts/touted",
    "hail/hails/hailed", "text/texted", "email/emailed", "reveal/reveals/revealed",
    "mention/mentions/mentioned", "recommend/recommends/recommended",
    "demand/demands/demanded", "vow", "hint/hints/hinted", "quote/quotes/quoted",
    "read/reads", "answer/answers/answered", "begin/begins/began",
    "cry/cries/cried", "plead/pleads/pleaded", "promise", "thunder/thundered",
    "snap/snaps/snapped", "tease/teases/teased", "brag/brags/bragged",
    "pointed", "put", "opine/opines/opined", "advise/advises/advised",
    "complain", "remind/reminds/reminded", "assure/assures/assured",
    "inform/informs/informed", "lash/lashed", "rip/rips/ripped", "slam/slams/slammed",
    "blast/blasts/blasted", "mock/mocks/mocked", "dismiss/dismisses/dismissed",
    "defend/defends/defended", "characterize/characterizes/characterized",
    "label/labels/labeled", "brand/brands/branded", "dub/dubs/dubbed",
    "refer/refers/referred", "insists", "recalled", "writing", "adding", "noting",
    "asking", "telling", "arguing", "explaining", "warning", "calling", "declaring",
)

# Verbs after which the quoted words are what the subject said about something else;
# they only count when they directly introduce the quotation.
WEAK_VERBS = frozenset(
    "call calls called describe describes described label labels labeled brand brands "
    "branded dub dubs dubbed refer refers referred characterize characterizes "
    "characterized praise praises praised criticize criticizes criticized accuse accuses "
    "accused defend defends defended dismiss dismisses dismissed begin begins began "
    "put quote quotes quoted post posted read reads state continue thank thanks thanked "
    "mock mocks mocked".split()
)

PRONOUNS = frozenset("he she they it i we".split())
MALE = frozenset("he him his".split())
FEMALE = frozenset("she her hers".split())

DETERMINERS = frozenset("a an the another one two three several some many most both".split())

SKIP_BEFORE_VERB = frozenset(
    "also has had have later then repeatedly previously once again recently would will "
    "did does do has had just still even never always often frequently publicly "
    "privately reportedly allegedly apparently immediately quickly simply flatly "
    "only already further similarly likewise famously memorably first initially "
    "subsequently eventually finally separately directly personally has".split()
)

STOP_CONJ = frozenset(
    "that and but or because when after before while as if though although since "
    "which who whom where whereas unless until than so yet nor".split()
)

TITLES = frozenset(
    "mr mr. mrs mrs. ms ms. miss dr dr. sen sen. senator rep rep. representative gov "
    "gov. governor president vice secretary general gen gen. lt lt. col col. sgt sgt. "
    "capt capt. adm adm. prof prof. rev rev. judge justice chief chairman chairwoman "
    "chair speaker leader minister premier mayor ambassador director commissioner "
    "attorney sheriff officer agent detective pastor father sister brother king queen "
    "prince princess lord lady sir dame former acting deputy assistant press spokesman "
    "spokeswoman spokesperson state democratic republican democrat gop house senate "
    "congressman congresswoman candidate nominee presidential u.s. us national "
    "majority minority whip host anchor correspondent columnist editor analyst "
    "strategist pollster professor coach captain colonel lieutenant sergeant admiral "
    "major private dean chancellor councilman councilwoman delegate superintendent "
    "secretary-general first".split()
)

MALE_TITLES = frozenset("mr mr. father brother king prince lord sir congressman councilman".split())
FEMALE_TITLES = frozenset(
    "mrs mrs. ms ms. miss sister queen princess lady dame congresswoman councilwoman "
    "chairwoman spokeswoman".split()
)

ORG_WORDS = frozenset(
    "house department committee party news post times network association agency "
    "council university institute foundation campaign congress senate court service "
    "bureau office administration union corp corp. inc inc. company group center centre "
    "fund organization organisation commission journal press times tribune herald "
    "magazine channel ministry army navy force forces police government parliament "
    "assembly board bank club college school hospital church alliance coalition "
    "caucus federation league project society team today reuters nato fbi cia cnn "
    "msnbc abc cbs nbc fox politifact pentagon kremlin staff county state states "
    "city republic kingdom airlines motors media reporters radio television tv "
    "daily weekly review guardian examiner telegraph gazette globe observer "
    "street avenue street".split()
)

PLACE_WORDS = frozenset(
    "york america states kingdom east west north south city county island islands "
    "korea africa europe asia washington ukraine russia china iran iraq syria israel "
    "mexico canada britain england france germany japan india virginia carolina "
    "dakota hampshire jersey mexico florida texas ohio california street avenue "
    "valley beach lake river mountain park square".split()
)

DOC_WORDS = frozenset(
    "statement report release filing filings documents document memo transcript email "
    "emails letter tweet post interview poll survey study analysis data records figures "
    "estimate estimates site website account".split()
)

PERSON_ROLES = frozenset(
    "senator president candidate nominee governor official spokesman spokeswoman "
    "spokesperson congressman congresswoman lawmaker mayor secretary chairman "
    "chairwoman billionaire businessman businesswoman leader minister director "
    "judge man woman actor actress singer rapper star host anchor author writer "
    "reporter founder executive ceo pastor professor general commander chief "
    "ambassador democrat republican politician aide adviser advisor strategist "
    "manager veteran mother father wife husband daughter son pollster attorney lawyer "
    "prosecutor sheriff officer rep. sen. gov. congressman".split()
)

MALE_NAMES = frozenset(
    "donald joe joseph barack bill william john james robert michael david richard "
    "charles thomas christopher daniel paul mark george steven kenneth andrew edward "
    "brian kevin jason jeff jeffrey ryan gary timothy tim jose larry eric stephen "
    "jacob frank scott jonathan justin brandon benjamin samuel gregory alexander "
    "patrick jack dennis jerry tyler aaron henry adam douglas nathan peter zachary "
    "kyle walter harold jeremy ethan carl keith roger gerald christian terry sean "
    "arthur austin noah lawrence jesse joe bryan billy bruce albert willie gabriel "
    "alan juan logan wayne ralph roy eugene randy vincent russell louis philip bobby "
    "johnny bradley mike chris matt tom ted mitt marco rand newt rick ben jeb chuck "
    "mitch lindsey bernie rudy reince sean steve jim tim vladimir bashar kim xi "
    "antony jens volodymyr lloyd rudy hugh dick al lou rush howard eli nick pat".split()
)

FEMALE_NAMES = frozenset(
    "hillary mary patricia jennifer linda elizabeth barbara susan jessica sarah karen "
    "nancy lisa betty margaret sandra ashley kimberly emily donna michelle dorothy "
    "carol amanda melissa deborah stephanie rebecca sharon laura cynthia kathleen amy "
    "shirley angela helen anna brenda pamela nicole emma samantha katherine christine "
    "debra rachel catherine carolyn janet ruth maria heather diane virginia julie joyce "
    "victoria olivia kelly christina lauren joan evelyn judith megan cheryl andrea "
    "hannah martha jacqueline frances gloria ann teresa kathryn sara janice jean alice "
    "madison doris abigail julia judy grace denise amber marilyn beverly danielle "
    "theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla "
    "melania ivanka chelsea kellyanne huma donna elizabeth sarah nikki condoleezza "
    "madeleine jen jill kamala michele debbie tammy tulsi ava melanie jane kate".split()
)
