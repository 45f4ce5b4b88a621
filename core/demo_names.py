"""Names, places and firm profiles of the demo district (Licheng, Quanzhou), and their makers.

Every organisation here is invented: the names follow local patterns so that the
demo reads true, but no real firm, hospital or school is shown with made-up faults.
Street names are real streets of the old town, so addresses look right on a map.
"""

import math
import random
from dataclasses import dataclass

SEED = "liftwatch-demo-350502"
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139",
                   "150", "151", "152", "155", "156", "158", "159", "180", "181", "186", "188", "189")


@dataclass(frozen=True)
class Profile:
    """How a firm works: market share, staff, invalid visits, lateness, inspectors' findings."""

    share: float
    technicians: int
    invalid: float
    overdue_weight: float
    gaps: tuple
    supervision: tuple


# (id, Chinese name, English name, street index, profile) — quality falls from F01 to F05.
# Profiles: gaps are the days between visits; supervision weighs no_issue, rectify, stop_use.
FIRMS = (
    ("F01", "泉州鲤城恒升电梯工程有限公司", "Quanzhou Licheng Hengsheng Elevator Engineering Co., Ltd.", 0,
     Profile(0.25, 10, 0.01, 0.5, (13, 14, 14, 15), (85, 15, 0))),
    ("F02", "泉州鲤城闽通电梯工程有限公司", "Quanzhou Licheng Mintong Elevator Engineering Co., Ltd.", 3,
     Profile(0.23, 9, 0.02, 1, (13, 14, 15, 15), (75, 25, 0))),
    ("F03", "泉州鲤城晟达电梯工程有限公司", "Quanzhou Licheng Shengda Elevator Engineering Co., Ltd.", 9,
     Profile(0.20, 8, 0.05, 4, (13, 14, 15, 15, 16), (60, 37, 3))),
    ("F04", "泉州鲤城永顺电梯工程有限公司", "Quanzhou Licheng Yongshun Elevator Engineering Co., Ltd.", 11,
     Profile(0.17, 7, 0.09, 8, (13, 14, 15, 15, 17), (45, 48, 7))),
    ("F05", "泉州鲤城捷迅电梯工程有限公司", "Quanzhou Licheng Jiexun Elevator Engineering Co., Ltd.", 13,
     Profile(0.15, 6, 0.16, 20, (13, 14, 15, 16, 18, 20), (30, 60, 10))),
)
PROFILES = {row[0]: row[4] for row in FIRMS}

STREETS = (
    ("中山中路", "Zhongshan Middle Road"),
    ("中山南路", "Zhongshan South Road"),
    ("中山北路", "Zhongshan North Road"),
    ("新华路", "Xinhua Road"),
    ("温陵南路", "Wenling South Road"),
    ("西街", "Xijie Street"),
    ("东街", "Dongjie Street"),
    ("涂门街", "Tumen Street"),
    ("九一路", "Jiuyi Road"),
    ("新门街", "Xinmen Street"),
    ("江滨南路", "Jiangbin South Road"),
    ("南俊路", "Nanjun Road"),
    ("浮桥街", "Fuqiao Street"),
    ("庄府巷", "Zhuangfu Lane"),
    ("打锡巷", "Daxi Lane"),
)

# (kind, Chinese name, English name) — thirty using units, ids U01.. in this order.
UNITS = (
    ("residential", "泉州温陵花园物业管理有限公司", "Quanzhou Wenling Garden Property Management Co., Ltd."),
    ("residential", "泉州刺桐苑物业服务有限公司", "Quanzhou Citong Court Property Services Co., Ltd."),
    ("residential", "鲤城区紫云小区业主委员会", "Ziyun Compound Owners' Committee, Licheng"),
    ("residential", "泉州鲤中华庭物业管理有限公司", "Quanzhou Lizhong Huating Property Management Co., Ltd."),
    ("residential", "鲤城区江滨锦园小区业主委员会", "Jiangbin Jinyuan Compound Owners' Committee, Licheng"),
    ("residential", "泉州开元名邸物业服务有限公司", "Quanzhou Kaiyuan Mingdi Property Services Co., Ltd."),
    ("residential", "鲤城区浮桥新村小区业主委员会", "Fuqiao Xincun Compound Owners' Committee, Licheng"),
    ("residential", "泉州聚宝城物业管理有限公司", "Quanzhou Jubao City Property Management Co., Ltd."),
    ("residential", "鲤城区常泰苑小区业主委员会", "Changtai Court Compound Owners' Committee, Licheng"),
    ("residential", "泉州南俊华府物业服务有限公司", "Quanzhou Nanjun Huafu Property Services Co., Ltd."),
    ("residential", "泉州金龙湾物业管理有限公司", "Quanzhou Jinlong Bay Property Management Co., Ltd."),
    ("residential", "泉州西街雅居物业管理有限公司", "Quanzhou Xijie Yaju Property Management Co., Ltd."),
    ("residential", "鲤城区新门公寓业主委员会", "Xinmen Apartments Owners' Committee, Licheng"),
    ("residential", "泉州海滨翠园物业服务有限公司", "Quanzhou Haibin Cuiyuan Property Services Co., Ltd."),
    ("hospital", "泉州鲤城仁和医院", "Quanzhou Licheng Renhe Hospital"),
    ("hospital", "泉州温陵康复医院", "Quanzhou Wenling Rehabilitation Hospital"),
    ("hospital", "泉州刺桐中西医结合医院", "Quanzhou Citong Integrated Medicine Hospital"),
    ("mall", "泉州中山路商业广场管理有限公司", "Quanzhou Zhongshan Road Shopping Plaza Management Co., Ltd."),
    ("mall", "泉州鲤城新华购物中心", "Licheng Xinhua Shopping Centre, Quanzhou"),
    ("mall", "泉州涂门街百货商场", "Quanzhou Tumen Street Department Store"),
    ("mall", "泉州江南时代广场商业管理有限公司", "Quanzhou Jiangnan Times Square Commercial Management Co., Ltd."),
    ("school", "泉州温陵外国语学校", "Quanzhou Wenling Foreign Languages School"),
    ("school", "泉州刺桐职业技术学校", "Quanzhou Citong Vocational School"),
    ("school", "泉州鲤城九一路小学", "Jiuyi Road Primary School, Licheng"),
    ("hotel", "泉州温陵大酒店", "Quanzhou Wenling Grand Hotel"),
    ("hotel", "泉州古城文旅酒店", "Quanzhou Old Town Heritage Hotel"),
    ("office", "泉州鲤城金融大厦物业管理中心", "Licheng Finance Tower Property Management Centre, Quanzhou"),
    ("office", "泉州中山写字楼管理处", "Zhongshan Office Tower Management Office, Quanzhou"),
    ("care", "泉州鲤城颐养服务中心", "Licheng Elderly Care Centre, Quanzhou"),
    ("market", "泉州浮桥农贸市场管理有限公司", "Quanzhou Fuqiao Farmers' Market Management Co., Ltd."),
)

# Per kind: how many elevators a unit has, and the share of each equipment category.
UNIT_KINDS = {
    "residential": ((6, 9), {"3110": 0.88, "3420": 0.12}),
    "hospital": ((9, 12), {"3110": 0.6, "3120": 0.2, "3430": 0.12, "3420": 0.08}),
    "mall": ((7, 10), {"3310": 0.6, "3110": 0.3, "3120": 0.1}),
    "school": ((2, 3), {"3110": 1.0}),
    "hotel": ((4, 6), {"3110": 0.7, "3430": 0.2, "3120": 0.1}),
    "office": ((5, 8), {"3110": 0.85, "3420": 0.15}),
    "care": ((2, 3), {"3110": 1.0}),
    "market": ((2, 3), {"3120": 0.5, "3310": 0.5}),
}

# Buildings elevators stand in, per kind; residential buildings are numbered instead.
BUILDINGS = {
    "hospital": (("门诊楼", "Outpatient Building"), ("住院部", "Inpatient Building"), ("医技楼", "Medical Technology Building")),
    "mall": (("A区", "Zone A"), ("B区", "Zone B")),
    "school": (("教学楼", "Teaching Building"), ("综合楼", "Main Building")),
    "hotel": (("主楼", "Main Tower"), ("裙楼", "Podium")),
    "office": (("主楼", "Main Tower"),),
    "care": (("颐养楼", "Care Building"),),
    "market": (("市场大楼", "Market Hall"),),
}

# Per category: the lift's label within its building.
LIFT_LABELS = {
    "3110": ("{n}号客梯", "Passenger lift {n}"),
    "3120": ("{n}号货梯", "Goods lift {n}"),
    "3310": ("{n}号扶梯", "Escalator {n}"),
    "3420": ("{n}号消防梯", "Firefighter lift {n}"),
    "3430": ("{n}号杂物梯", "Dumbwaiter {n}"),
}

# (Chinese name, English name, 5-digit manufacturer code for equipment codes)
MANUFACTURERS = (
    ("日立电梯（中国）有限公司", "Hitachi Elevator (China)", "31021"),
    ("上海三菱电梯有限公司", "Shanghai Mitsubishi Elevator", "31005"),
    ("奥的斯电梯（中国）有限公司", "Otis Elevator (China)", "12003"),
    ("通力电梯有限公司", "KONE Elevators", "32017"),
    ("迅达（中国）电梯有限公司", "Schindler Elevator (China)", "31009"),
    ("康力电梯股份有限公司", "Canny Elevator", "32048"),
)

# Family names common in southern Fujian, and characters for given names.
SURNAMES = "陈林黄王吴张李蔡许郑洪庄苏杨刘曾施傅颜康"
GIVEN_FIRST = "志建国文明伟俊少清海荣金永春振家晓丽秀美"
GIVEN_SECOND = "明华强斌杰辉峰龙平生忠宏玲芳燕娟勇军涛鹏"

INSPECTION_BODY = ("泉州市特种设备检验研究院", "Quanzhou Special Equipment Inspection and Research Institute")
AUTHORITY = ("泉州市鲤城区市场监督管理局", "Licheng District Market Supervision Administration, Quanzhou")

# What the regulator writes down on an on-site check.
FINDINGS = (
    ("维保记录与现场实际情况不符", "Maintenance record does not match the situation on site"),
    ("轿厢应急照明不能正常工作", "Car emergency lighting does not work"),
    ("紧急报警装置无法接通值班室", "Emergency alarm cannot reach the duty room"),
    ("底坑有积水和杂物", "Water and rubbish in the pit"),
    ("层门门锁啮合长度不足7mm", "Landing door lock engages less than 7 mm"),
    ("机房内堆放杂物", "Machine room used as storage"),
    ("使用标志未张贴或已过期", "Use certificate missing or expired"),
    ("安全管理人员未在现场", "Safety officer not on site"),
    ("维保人员未持证作业", "Technician working without a valid certificate"),
)

# Notes technicians leave on an item that was not simply fine.
ITEM_NOTES = {
    "adjusted": ("已调整至正常范围", "间隙已重新调整", "已紧固并复测"),
    "replaced": ("已更换磨损部件", "已更换同型号配件"),
    "issue": ("需更换部件，已告知使用单位", "待配件到货后处理"),
}


def stream(*key):
    """Return the random stream of one part of the district."""
    return random.Random(":".join(map(str, (SEED, *key))))


def mobile(rng, taken):
    """Return a mobile number not in taken, and add it there."""
    while True:
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def landline(rng):
    """Return a Quanzhou landline number."""
    return f"0595-2{rng.randrange(10 ** 7):07d}"


def person_name(rng):
    """Return a Chinese name of two or three characters."""
    given = rng.choice(GIVEN_FIRST) + (rng.choice(GIVEN_SECOND) if rng.random() < 0.8 else "")
    return rng.choice(SURNAMES) + given


def contact(rng, taken):
    """Return a named person with a phone, as using units report them."""
    return {"name": person_name(rng), "phone": mobile(rng, taken)}


def street_address(rng, street=None, number=None):
    """Return a street address of Licheng in Chinese and English."""
    street_zh, street_en = STREETS[street] if street is not None else rng.choice(STREETS)
    number = number or rng.randint(1, 400)
    return f"泉州市鲤城区{street_zh}{number}号", f"No. {number}, {street_en}, Licheng District, Quanzhou"


def jitter(rng, centre, radius_km):
    """Return a point spread evenly over a disc around centre (lat, lng)."""
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat = centre[0] + distance * math.cos(angle) / 111.0
    lng = centre[1] + distance * math.sin(angle) / (111.0 * math.cos(math.radians(centre[0])))
    return {"lat": round(lat, 6), "lng": round(lng, 6)}

# Trade names of the further firms a larger district has (F06 on), with their pinyin.
TRADE_NAMES = (
    ("安达", "Anda"), ("宏远", "Hongyuan"), ("鑫隆", "Xinlong"), ("华通", "Huatong"), ("金鼎", "Jinding"),
    ("联创", "Lianchuang"), ("福顺", "Fushun"), ("嘉业", "Jiaye"), ("瑞丰", "Ruifeng"), ("捷安", "Jie'an"),
    ("永固", "Yonggu"), ("信诚", "Xincheng"), ("泰和", "Taihe"), ("富达", "Fuda"), ("东升", "Dongsheng"),
    ("康泰", "Kangtai"), ("润通", "Runtong"), ("德信", "Dexin"), ("广源", "Guangyuan"), ("海联", "Hailian"),
)
