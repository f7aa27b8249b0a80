"""A small bilingual gazetteer: countries, big cities, regions and well-known organisations.

Used to type English capitalised sequences (place vs organisation) and to map Russian names
that transliteration cannot reach (Германия ↔ Germany, ООН ↔ UN) onto one key.
"""

from __future__ import annotations

# English name | Russian name (lemma) — one pair per line; extra English aliases after a comma.
_COUNTRIES = """
Afghanistan|Афганистан
Albania|Албания
Algeria|Алжир
Argentina|Аргентина
Armenia|Армения
Australia|Австралия
Austria|Австрия
Azerbaijan|Азербайджан
Bahrain|Бахрейн
Bangladesh|Бангладеш
Belarus|Белоруссия,Беларусь
Belgium|Бельгия
Bolivia|Боливия
Bosnia|Босния
Brazil|Бразилия
Bulgaria|Болгария
Cambodia|Камбоджа
Cameroon|Камерун
Canada|Канада
Chile|Чили
China|Китай,КНР
Colombia|Колумбия
Croatia|Хорватия
Cuba|Куба
Cyprus|Кипр
Czech Republic,Czechia|Чехия
Denmark|Дания
Ecuador|Эквадор
Egypt|Египет
Estonia|Эстония
Ethiopia|Эфиопия
Finland|Финляндия
France|Франция
Georgia|Грузия
Germany|Германия,ФРГ
Ghana|Гана
Greece|Греция
Hungary|Венгрия
Iceland|Исландия
India|Индия
Indonesia|Индонезия
Iran|Иран
Iraq|Ирак
Ireland|Ирландия
Israel|Израиль
Italy|Италия
Jamaica|Ямайка
Japan|Япония
Jordan|Иордания
Kazakhstan|Казахстан
Kenya|Кения
Kosovo|Косово
Kuwait|Кувейт
Kyrgyzstan|Киргизия,Кыргызстан
Latvia|Латвия
Lebanon|Ливан
Libya|Ливия
Lithuania|Литва
Luxembourg|Люксембург
Malaysia|Малайзия
Mexico|Мексика
Moldova|Молдавия,Молдова
Mongolia|Монголия
Montenegro|Черногория
Morocco|Марокко
Nepal|Непал
Netherlands,Holland|Нидерланды,Голландия
New Zealand|Новая Зеландия
Nigeria|Нигерия
North Korea,DPRK|КНДР,Северная Корея
Norway|Норвегия
Pakistan|Пакистан
Palestine|Палестина
Peru|Перу
Philippines|Филиппины
Poland|Польша
Portugal|Португалия
Qatar|Катар
Romania|Румыния
Russia,Russian Federation|Россия,РФ,Российская Федерация
Saudi Arabia|Саудовская Аравия
Serbia|Сербия
Singapore|Сингапур
Slovakia|Словакия
Slovenia|Словения
South Africa|ЮАР
South Korea,Korea|Южная Корея,Корея
Spain|Испания
Sri Lanka|Шри-Ланка
Sudan|Судан
Sweden|Швеция
Switzerland|Швейцария
Syria|Сирия
Taiwan|Тайвань
Tajikistan|Таджикистан
Thailand|Таиланд
Tunisia|Тунис
Turkey,Turkiye|Турция
Turkmenistan|Туркмения,Туркменистан
Uganda|Уганда
Ukraine|Украина
United Arab Emirates,UAE|ОАЭ
United Kingdom,UK,Britain,Great Britain,England|Великобритания,Британия,Англия
United States,US,USA,U.S.,America|США,Америка,Соединенные Штаты
Uzbekistan|Узбекистан
Venezuela|Венесуэла
Vietnam|Вьетнам
Yemen|Йемен
Zimbabwe|Зимбабве
Europe|Европа
Asia|Азия
Africa|Африка
Crimea|Крым
Donbas,Donbass|Донбасс
Scotland|Шотландия
Wales|Уэльс
Catalonia|Каталония
Kosovo|Косово
"""

_CITIES = """
Moscow|Москва
St Petersburg,Saint Petersburg,St. Petersburg|Санкт-Петербург,Петербург
London|Лондон
Paris|Париж
Berlin|Берлин
Washington|Вашингтон
New York|Нью-Йорк
Beijing|Пекин
Tokyo|Токио
Kiev,Kyiv|Киев
Minsk|Минск
Warsaw|Варшава
Rome|Рим
Madrid|Мадрид
Barcelona|Барселона
Vienna|Вена
Prague|Прага
Brussels|Брюссель
Geneva|Женева
Istanbul|Стамбул
Ankara|Анкара
Tehran|Тегеран
Baghdad|Багдад
Damascus|Дамаск
Jerusalem|Иерусалим
Tel Aviv|Тель-Авив
Cairo|Каир
Delhi,New Delhi|Дели,Нью-Дели
Mumbai|Мумбаи
Seoul|Сеул
Pyongyang|Пхеньян
Hong Kong|Гонконг
Shanghai|Шанхай
Sydney|Сидней
Los Angeles|Лос-Анджелес
Chicago|Чикаго
San Francisco|Сан-Франциско
Toronto|Торонто
Rio de Janeiro,Rio|Рио-де-Жанейро
Mexico City|Мехико
Dubai|Дубай
Riyadh|Эр-Рияд
Doha|Доха
Astana,Nur-Sultan|Астана,Нур-Султан
Almaty|Алма-Ата,Алматы
Tashkent|Ташкент
Baku|Баку
Tbilisi|Тбилиси
Yerevan|Ереван
Omsk|Омск
Novosibirsk|Новосибирск
Yekaterinburg|Екатеринбург
Kazan|Казань
Sochi|Сочи
Vladivostok|Владивосток
Kaliningrad|Калининград
Sevastopol|Севастополь
Donetsk|Донецк
Luhansk,Lugansk|Луганск
Kharkiv,Kharkov|Харьков
Odessa,Odesa|Одесса
Lviv|Львов
Hollywood|Голливуд
Silicon Valley|Силиконовая долина
"""

_REGIONS = """
Alabama,Alaska,Arizona,Arkansas,California,Colorado,Connecticut,Delaware,Florida,Hawaii,Idaho,Illinois,
Indiana,Iowa,Kansas,Kentucky,Louisiana,Maine,Maryland,Massachusetts,Michigan,Minnesota,Mississippi,Missouri,
Montana,Nebraska,Nevada,New Hampshire,New Jersey,New Mexico,North Carolina,North Dakota,Ohio,Oklahoma,
Oregon,Pennsylvania,Rhode Island,South Carolina,South Dakota,Tennessee,Texas,Utah,Vermont,Virginia,
West Virginia,Wisconsin,Wyoming,Siberia,Middle East,Gaza,West Bank,Kashmir,Hokkaido,Bavaria,Queensland,
Ontario,Quebec,Alberta,British Columbia,Manchester,Liverpool,Birmingham,Glasgow,Edinburgh,Dublin,Boston,
Houston,Dallas,Miami,Atlanta,Seattle,Denver,Detroit,Philadelphia,Baltimore,Oakland,Brooklyn,Manhattan,
Milan,Munich,Hamburg,Frankfurt,Amsterdam,Lisbon,Athens,Stockholm,Oslo,Copenhagen,Helsinki,Budapest,
Bucharest,Sofia,Belgrade,Zagreb,Oxford,Cambridge,Bangkok,Jakarta,Manila,Hanoi,Singapore,Kabul,Islamabad,
Karachi,Lahore,Nairobi,Lagos,Johannesburg,Cape Town,Buenos Aires,Sao Paulo,Lima,Bogota,Caracas,Havana,
Melbourne,Auckland,Vancouver,Montreal,Ottawa,Osaka,Kyoto,Wuhan,Hubei,Guangzhou,Shenzhen,Taipei,Macau,
Pacific,Atlantic,Arctic,Antarctica,Mediterranean,Black Sea,Baltic,Caspian,Idlib,Aleppo,Mosul,Tripoli,Benghazi,
Kurdistan,Balkans,Scandinavia,Caribbean,Latin America,North America,South America,Wall Street,Downing Street
"""

_ORGS = """
UN,United Nations|ООН
NATO|НАТО
EU,European Union|ЕС,Евросоюз
European Commission|Еврокомиссия
IOC,International Olympic Committee|МОК
WHO,World Health Organization|ВОЗ
IMF,International Monetary Fund|МВФ
World Bank|Всемирный банк
OPEC|ОПЕК
FIFA|ФИФА
UEFA|УЕФА
WADA|ВАДА
OSCE|ОБСЕ
Pentagon|Пентагон
Kremlin|Кремль
White House|Белый дом
Congress|Конгресс
Senate|Сенат
State Duma,Duma|Госдума,Государственная дума
Federation Council|Совет Федерации,Совфед
FSB|ФСБ
CIA|ЦРУ
FBI|ФБР
Central Bank|Центробанк,ЦБ
Gazprom|Газпром
Rosneft|Роснефть
Sberbank|Сбербанк
Apple|Apple
Google|Google
Microsoft|Microsoft
Amazon|Amazon
Facebook|Facebook
Twitter|Twitter
Tesla|Tesla
Boeing|Boeing
Huawei|Huawei
Samsung|Samsung
Reuters|Рейтер
Interfax|Интерфакс
TASS|ТАСС
RIA Novosti|РИА Новости
EAEU,Eurasian Economic Union|ЕАЭС
SCO|ШОС
BRICS|БРИКС
G20|G20
Supreme Court|Верховный суд
Labour,Labour Party|лейбористы
Conservative Party,Tories,Conservatives|консерваторы
Democrats,Democratic Party|демократы
Republicans,Republican Party|республиканцы
"""


def _pairs(block: str) -> list[tuple[list[str], list[str]]]:
    out = []
    for line in block.strip().splitlines():
        if "|" not in line:
            continue
        en, ru = line.split("|", 1)
        out.append(
            ([x.strip() for x in en.split(",") if x.strip()], [x.strip() for x in ru.split(",") if x.strip()])
        )
    return out


COUNTRY_PAIRS = _pairs(_COUNTRIES)
CITY_PAIRS = _pairs(_CITIES)
ORG_PAIRS = _pairs(_ORGS)

# English surface (lower) → entity type
EN_TYPES: dict[str, str] = {}
# any surface (lower, ru or en) → canonical English key, for cross-lingual matching
CANONICAL: dict[str, str] = {}

for pairs, kind in ((COUNTRY_PAIRS, "LOC"), (CITY_PAIRS, "LOC"), (ORG_PAIRS, "ORG")):
    for en_names, ru_names in pairs:
        canonical = en_names[0].lower()
        for name in en_names:
            EN_TYPES[name.lower()] = kind
            CANONICAL[name.lower()] = canonical
        for name in ru_names:
            CANONICAL[name.lower()] = canonical
for name in _REGIONS.replace("\n", "").split(","):
    name = name.strip()
    if name:
        EN_TYPES[name.lower()] = "LOC"

# English demonyms → the country key (Russian adjectives are handled by lemma stems)
DEMONYMS = {
    "russian": "russia", "american": "united states", "british": "united kingdom", "chinese": "china",
    "french": "france", "german": "germany", "ukrainian": "ukraine", "japanese": "japan", "italian": "italy",
    "spanish": "spain", "turkish": "turkey", "iranian": "iran", "israeli": "israel", "syrian": "syria",
    "kazakh": "kazakhstan", "belarusian": "belarus", "polish": "poland", "indian": "india", "korean": "south korea",
    "brazilian": "brazil", "canadian": "canada", "australian": "australia", "mexican": "mexico", "dutch": "netherlands",
    "swedish": "sweden", "norwegian": "norway", "finnish": "finland", "danish": "denmark", "greek": "greece",
    "georgian": "georgia", "armenian": "armenia", "egyptian": "egypt", "saudi": "saudi arabia", "iraqi": "iraq",
    "afghan": "afghanistan", "pakistani": "pakistan", "venezuelan": "venezuela", "cuban": "cuba",
}  # fmt: skip

ORG_SUFFIXES = {
    "inc", "corp", "corporation", "ltd", "llc", "plc", "group", "company", "co", "bank", "party", "council",
    "ministry", "department", "agency", "association", "committee", "commission", "university", "college",
    "institute", "fc", "club", "united", "city", "police", "army", "navy", "court", "parliament", "assembly",
    "foundation", "fund", "union", "federation", "organisation", "organization", "office", "service", "airlines",
    "airways", "motors", "news", "times", "post", "journal", "network", "studios", "records", "holdings",
    "technologies", "systems", "labs", "board", "authority", "guard", "forces", "league", "team", "channel",
}  # fmt: skip
PERSON_TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "president", "minister", "senator", "sen",
    "rep", "gov", "governor", "king", "queen", "prince", "princess", "pope", "chancellor", "secretary", "judge",
    "coach", "manager", "ceo", "chairman", "chairwoman", "spokesman", "spokeswoman", "spokesperson", "mayor",
    "general", "gen", "col", "captain", "capt", "officer", "detective", "director", "actor", "actress", "singer",
    "rapper", "star", "striker", "midfielder", "defender", "goalkeeper", "forward", "champion", "leader",
    "premier", "ambassador", "envoy", "commissioner", "lawmaker", "congressman", "congresswoman", "speaker",
    "professor", "prof", "st", "saint", "father", "rev", "reverend", "archbishop", "bishop", "sheikh", "emir",
    "crown", "deputy", "adviser", "advisor", "founder", "owner", "investor", "billionaire", "author", "writer",
}  # fmt: skip
FIRST_NAMES = set(
    """james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony
    mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan
    jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank
    patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter
    noah jeremy christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan
    bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell
    bobby mason philip louis mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy
    betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie
    rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha
    katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce virginia
    victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa
    ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn
    danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori boris vladimir
    dmitry sergei sergey alexei alexey mikhail ivan nikolai igor oleg yuri viktor andrei andrey emmanuel angela
    recep xi kim justin jair narendra imran benjamin hassan ali mohammed mohammad ahmed omar abdul jeremy nicola
    boris theresa hillary bernie elizabeth kamala joe mike nancy chuck mitch lindsey rudy rex kanye taylor elon
    jeff bill tim mark sundar satya lionel cristiano neymar kylian novak rafael roger serena simone naomi usain
    carlos luis pedro pablo diego javier miguel manuel antonio francesco giuseppe marco luca hans klaus angela
    olaf friedrich jean pierre francois nicolas marine emmanuel jacques yoshihide shinzo fumio moon volodymyr
    petro alexander lukashenko nursultan kassym kassym-jomart ilham nikol ramzan sadyr shavkat""".split()
)

# A general news lexicon (English lemma | Russian lemmas): frequent news words that
# transliteration cannot match. Used only as cross-lingual keys.
_LEXICON = """
gold|золото,золотой
silver|серебро,серебряный
win,won,wins,victory|победа,победить,выиграть,побеждать,выигрывать
lose,loss,lost,defeat|поражение,проиграть,проигрывать,уступить
beat,beats,rout|обыграть,разгромить,обыгрывать
team|команда,сборная
women,woman,female|женщина,женский
men,man,male|мужчина,мужской
youngest,young|юный,молодой
oldest,old|старый,возрастной
record|рекорд
world|мир,мировой
first|первый
second|второй
third|третий
death,dead,die,died,kill,killed|смерть,погибнуть,умереть,гибель,убить,погибший
injure,injured,wound,wounded|ранить,пострадать,раненый,пострадавший
fire|пожар
earthquake|землетрясение
flood|наводнение
storm,hurricane,typhoon|шторм,ураган,тайфун
crash|крушение,авария,катастрофа
attack|нападение,атака,теракт
shooting|стрельба
police|полиция,полицейский
court|суд
arrest,arrested|арестовать,задержать,арест
election,vote|выборы,голосование
president|президент
minister|министр
government|правительство
parliament|парламент
law,bill|закон,законопроект
ban|запрет,запретить
protest|протест,акция
war|война
army,military|армия,военный
sanction|санкция
oil|нефть
gas|газ
price|цена
bank|банк
market|рынок
vaccine,vaccination|вакцина,вакцинация,прививка
virus,coronavirus,covid|вирус,коронавирус,ковид
case,infection,infected|случай,заражение,заразиться,инфицированный
test,positive|тест,положительный
hospital|больница,госпиталь
doctor|врач
spectator,fan,crowd|зритель,болельщик,фанат
athlete,olympian|спортсмен,атлет,олимпиец
coach|тренер
player|игрок
match,game|матч,игра
final|финал
semifinal|полуфинал
quarterfinal|четвертьфинал
champion|чемпион
championship|чемпионат
tournament|турнир
medal|медаль
opening,open|открытие,открыть
closing,close|закрытие,закрыть
ceremony|церемония
flag|флаг
child,kid,baby|ребенок,дети,младенец
mother|мать
school|школа
student|студент
city|город
country|страна
money|деньги
dollar|доллар
million|миллион
billion|миллиард
company|компания
deal,agreement|соглашение,сделка,договор
meeting,talks|встреча,переговоры
visit|визит
leader|лидер
schedule|расписание,календарь
rule|правило
weather,heat|погода,жара
rain|дождь
"""

LEXICON: dict[str, str] = {}
for _line in _LEXICON.strip().splitlines():
    _en, _ru = _line.split("|")
    _key = _en.split(",")[0]
    for _word in _en.split(",") + _ru.split(","):
        LEXICON.setdefault(_word.strip(), _key)
