"""Framing vocabulary shared by all labels: openers, closers, sarcasm, emoji, slot values.

Openers and closers are label-neutral on purpose (a model that keys on them learns noise);
emoji and hashtags are only weakly label-correlated, as on real social media.
"""

from __future__ import annotations

OPENERS: tuple[str, ...] = (
    "", "", "", "", "", "", "Hello,", "Hi,", "Good morning,", "Good afternoon,",
    "Good evening.", "Dear Beejan,", "Hello Beejan,", "Abeg,", "Please,", "Pls", "Oga,",
    "Una good morning o.", "Chai!", "Haba!", "Ehn ehn,", "Wetin dey happen?", "Guys,",
    "Kai,", "Omo,", "Seriously?", "I'm tired.", "This is unacceptable.", "Again?!",
    "Dear sir/ma,", "Good day,", "Beejan o,", "Urgent:", "Complaint:", "Hey,",
    "Mtchew.", "Na wa for una o.", "Abeg una,", "Ahn ahn,", "Sorry to bother but",
    "For the 3rd time,", "I need help,", "Hello customer care,", "Attention Beejan,",
    "Good evening sir,", "Na today?", "Eeeyah,", "Hmm,", "Sigh.", "@BeejanCares",
)

CLOSERS: tuple[str, ...] = (
    "", "", "", "", "", "", "Please help.", "Kindly look into it.", "Fix this now!",
    "Thanks.", "Thank you.", "abeg help me", "I'm tired of this.", "This is so annoying.",
    "Do better.", "Please resolve asap.", "I will port to another network o.",
    "Una no try at all.", "Very disappointed.", "Please respond.", "Make una do something.",
    "I need urgent help.", "My number is on this account.", "Waiting for your reply.",
    "God abeg.", "This is not fair.", "Shey una dey hear?", "Regards.", "Thanks in advance.",
    "Na wa.", "Smh.", "I'm done.", "Help a brother.", "Help a sister out.",
    "Kindly revert.", "I expect a response today.", "Nonsense.", "Issokay.",
    "Please escalate.", "Fix am abeg.", "Is it by force?", "Who will help me?",
)

# Sarcastic frames; {core} is the complaint itself.
SARCASM: tuple[str, ...] = (
    "Thank you Beejan for {core}. Best network in Nigeria indeed 🙄",
    "Wow, {core}. Great job as always 👏👏",
    "Love how {core}. Truly world class service 😂",
    "Beejan never disappoints... {core} 🙃",
    "Congratulations Beejan, {core}. Una deserve award",
    "Another amazing day with Beejan: {core}",
    "So {core}. Everywhere you go indeed 😒",
    "Best network ever! {core}. I'm so impressed 🤡",
)

EMOJI: dict[str, tuple[str, ...]] = {
    "any": ("😡", "😤", "🙄", "😭", "😩", "🤦🏾‍♂️", "🤦🏽‍♀️", "💔", "😒", "🤬", "😞", "🙏🏾",
            "😂", "🥲", "👎🏾", "😠", "‼️", "💯"),
    "Network": ("📶", "📵", "🐢", "🐌", "⏳", "📴"),
    "Billing": ("💸", "💰", "🧾", "🤑", "💳"),
    "Service": ("☎️", "📞", "⏰", "😴", "🤷🏾"),
}

HASHTAGS: dict[str, tuple[str, ...]] = {
    "any": ("#Beejan", "#BeejanNG", "#BeejanFail", "#CustomerService", "#Nigeria",
            "#EndBadService", "#Naija", "#ConsumerRights", "#NCC"),
    "Network": ("#NoNetwork", "#BadNetwork", "#SlowInternet", "#BeejanDown", "#DataWahala"),
    "Billing": ("#DataTheft", "#RefundMyMoney", "#Scam", "#AirtimeWahala"),
    "Service": ("#BadCustomerService", "#NoCallback", "#TerribleService"),
}

MENTIONS: tuple[str, ...] = ("@BeejanNG", "@BeejanCares", "@Beejan_Support", "@NCCNigeria",
                             "@BeejanNG @BeejanCares")
URLS: tuple[str, ...] = ("https://t.co/{code}", "https://bit.ly/{code}",
                         "https://www.beejan.ng/support", "https://fast.com",
                         "https://www.speedtest.net/result/{num}", "https://t.co/{code}")

DURATIONS: tuple[str, ...] = (
    "2 days", "3 days", "one week", "two weeks", "since last week", "a month now",
    "since Monday", "4 days now", "over a week", "3 weeks", "since December", "since Sunday",
    "48 hours", "72hrs", "since yesterday", "5 days", "all week", "6 hours", "since 2 days")
SINCE: tuple[str, ...] = (
    "morning", "this morning", "yesterday", "yesterday night", "6am", "8am", "10am",
    "2pm", "last night", "Friday", "Monday", "3 days ago", "12 noon", "around 4pm", "midnight",
    "the weekend", "7:30am", "yesterday evening", "Tuesday")
HOLDS: tuple[str, ...] = ("30 minutes", "45 mins", "1 hour", "over an hour", "20mins",
                          "almost 2 hours", "40 minutes", "25 mins")
DAYS: tuple[str, ...] = ("3 days", "a week", "2 weeks", "10 days", "one month", "5 days",
                         "72 hours", "over 2 weeks", "4 days")
DATA_SIZES: tuple[str, ...] = ("1.5GB", "2GB", "6GB", "1GB", "500MB", "20GB", "10GB", "3GB",
                               "75GB", "750MB", "4.5GB")
AMOUNTS: tuple[int, ...] = (100, 200, 300, 500, 700, 1000, 1000, 1500, 2000, 2500, 3000,
                            3500, 5000, 5000, 10000, 15000, 20000, 25000, 50000)

# Simple word-level txt-speak and Pidgin-ish spellings used by SMS/social perturbation.
TXT_SPEAK: dict[str, tuple[str, ...]] = {
    "you": ("u",), "your": ("ur", "yr"), "are": ("r",), "please": ("pls", "plz", "pls"),
    "the": ("d", "de"), "that": ("dat",), "this": ("dis",), "with": ("wit", "wt"),
    "for": ("4",), "to": ("2",), "today": ("2day", "tday"), "tomorrow": ("2moro", "tmrw"),
    "because": ("bcos", "cos", "bc"), "network": ("ntwk", "netwk", "nw"),
    "message": ("msg",), "thanks": ("thx", "tnx"), "people": ("ppl",),
    "before": ("b4",), "about": ("abt",), "what": ("wat", "wot"), "know": ("knw", "kno"),
    "money": ("mney", "moni"), "and": ("&", "n"), "my": ("ma", "my"), "have": ("hv", "hav"),
    "been": ("bn",), "since": ("snc",), "minutes": ("mins",), "hours": ("hrs",),
    "customer": ("cust",), "refund": ("rfnd",), "airtime": ("airtym", "airtme"),
    "recharge": ("rchrg", "recharge"), "credit": ("crdt",), "anything": ("anytin", "nytin"),
    "nothing": ("nothin", "notin"), "am": ("m",), "why": ("y",), "see": ("c",),
    "good": ("gud",), "night": ("nite",), "okay": ("ok", "k"), "again": ("agn", "again"),
    "service": ("svc", "servis"), "data": ("data", "dta"), "call": ("cal",),
}
