"""The demo's places: cities, districts and business areas (商圈) with real
coordinates, and the platform's categories, each named in English and Chinese.

Coordinates are WGS-84 (as GPS and OpenStreetMap give them), to about a
hundred metres. Chinese map apps (Amap, Baidu) draw on GCJ-02 or BD-09,
which are a few hundred metres off in these cities.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Street:
    zh: str
    en: str


@dataclass(frozen=True)
class Area:
    """A business area (商圈): where people say they are going."""

    slug: str
    en: str
    zh: str
    lat: str
    lng: str
    streets: tuple[Street, ...]


@dataclass(frozen=True)
class DistrictData:
    slug: str
    en: str
    zh: str
    lat: str  # the district's centre (its government, roughly)
    lng: str
    areas: tuple[Area, ...]


@dataclass(frozen=True)
class CityData:
    slug: str
    en: str
    zh: str
    lat: str
    lng: str
    phone_prefix: str
    districts: tuple[DistrictData, ...]


def _streets(*pairs: tuple[str, str]) -> tuple[Street, ...]:
    return tuple(Street(zh=zh, en=en) for zh, en in pairs)


# In the order the city switcher lists them: Shanghai first (the default city).
CITIES: tuple[CityData, ...] = (
    CityData(
        "shanghai",
        "Shanghai",
        "上海",
        "31.230400",
        "121.473700",
        "021",
        (
            DistrictData(
                "huangpu",
                "Huangpu",
                "黄浦区",
                "31.2317",
                "121.4846",
                (
                    Area(
                        "peoples-square",
                        "People's Square",
                        "人民广场",
                        "31.2323",
                        "121.4750",
                        _streets(
                            ("南京东路", "East Nanjing Road"),
                            ("西藏中路", "Middle Xizang Road"),
                            ("福州路", "Fuzhou Road"),
                        ),
                    ),
                    Area(
                        "xintiandi",
                        "Xintiandi",
                        "新天地",
                        "31.2195",
                        "121.4740",
                        _streets(
                            ("马当路", "Madang Road"),
                            ("太仓路", "Taicang Road"),
                            ("兴业路", "Xingye Road"),
                        ),
                    ),
                    Area(
                        "the-bund",
                        "The Bund",
                        "外滩",
                        "31.2396",
                        "121.4903",
                        _streets(
                            ("中山东一路", "Zhongshan East 1st Road"),
                            ("滇池路", "Dianchi Road"),
                            ("圆明园路", "Yuanmingyuan Road"),
                        ),
                    ),
                    Area(
                        "yuyuan",
                        "Yu Garden",
                        "豫园",
                        "31.2272",
                        "121.4920",
                        _streets(("方浜中路", "Middle Fangbang Road"), ("人民路", "Renmin Road")),
                    ),
                ),
            ),
            DistrictData(
                "jingan",
                "Jing'an",
                "静安区",
                "31.2286",
                "121.4480",
                (
                    Area(
                        "jingan-temple",
                        "Jing'an Temple",
                        "静安寺",
                        "31.2236",
                        "121.4456",
                        _streets(
                            ("南京西路", "West Nanjing Road"),
                            ("愚园路", "Yuyuan Road"),
                            ("华山路", "Huashan Road"),
                            ("延安中路", "Middle Yan'an Road"),
                        ),
                    ),
                    Area(
                        "west-nanjing-road",
                        "West Nanjing Road",
                        "南京西路",
                        "31.2297",
                        "121.4567",
                        _streets(
                            ("南京西路", "West Nanjing Road"),
                            ("吴江路", "Wujiang Road"),
                            ("石门一路", "Shimen 1st Road"),
                            ("茂名北路", "North Maoming Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "xuhui",
                "Xuhui",
                "徐汇区",
                "31.1885",
                "121.4365",
                (
                    Area(
                        "xujiahui",
                        "Xujiahui",
                        "徐家汇",
                        "31.1951",
                        "121.4378",
                        _streets(
                            ("漕溪北路", "North Caoxi Road"),
                            ("虹桥路", "Hongqiao Road"),
                            ("肇嘉浜路", "Zhaojiabang Road"),
                        ),
                    ),
                    Area(
                        "hengshan-road",
                        "Hengshan Road",
                        "衡山路",
                        "31.2075",
                        "121.4440",
                        _streets(
                            ("衡山路", "Hengshan Road"),
                            ("东平路", "Dongping Road"),
                            ("乌鲁木齐南路", "South Wulumuqi Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "changning",
                "Changning",
                "长宁区",
                "31.2204",
                "121.4241",
                (
                    Area(
                        "zhongshan-park",
                        "Zhongshan Park",
                        "中山公园",
                        "31.2206",
                        "121.4170",
                        _streets(
                            ("长宁路", "Changning Road"),
                            ("凯旋路", "Kaixuan Road"),
                            ("定西路", "Dingxi Road"),
                        ),
                    ),
                    Area(
                        "gubei",
                        "Gubei",
                        "古北",
                        "31.1965",
                        "121.3990",
                        _streets(
                            ("黄金城道", "Huangjincheng Avenue"),
                            ("水城南路", "South Shuicheng Road"),
                            ("红宝石路", "Hongbaoshi Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "pudong",
                "Pudong",
                "浦东新区",
                "31.2215",
                "121.5440",
                (
                    Area(
                        "lujiazui",
                        "Lujiazui",
                        "陆家嘴",
                        "31.2376",
                        "121.5010",
                        _streets(
                            ("陆家嘴环路", "Lujiazui Ring Road"),
                            ("世纪大道", "Century Avenue"),
                            ("银城中路", "Middle Yincheng Road"),
                        ),
                    ),
                    Area(
                        "century-park",
                        "Century Park",
                        "世纪公园",
                        "31.2165",
                        "121.5500",
                        _streets(
                            ("锦绣路", "Jinxiu Road"),
                            ("芳甸路", "Fangdian Road"),
                            ("花木路", "Huamu Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "hongkou",
                "Hongkou",
                "虹口区",
                "31.2646",
                "121.5052",
                (
                    Area(
                        "north-bund",
                        "North Bund",
                        "北外滩",
                        "31.2490",
                        "121.4960",
                        _streets(("东大名路", "East Daming Road"), ("长治路", "Changzhi Road")),
                    ),
                    Area(
                        "north-sichuan-road",
                        "North Sichuan Road",
                        "四川北路",
                        "31.2600",
                        "121.4840",
                        _streets(
                            ("四川北路", "North Sichuan Road"),
                            ("多伦路", "Duolun Road"),
                            ("山阴路", "Shanyin Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "yangpu",
                "Yangpu",
                "杨浦区",
                "31.2596",
                "121.5260",
                (
                    Area(
                        "wujiaochang",
                        "Wujiaochang",
                        "五角场",
                        "31.3000",
                        "121.5140",
                        _streets(
                            ("淞沪路", "Songhu Road"),
                            ("邯郸路", "Handan Road"),
                            ("国定路", "Guoding Road"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    CityData(
        "beijing",
        "Beijing",
        "北京",
        "39.904200",
        "116.407400",
        "010",
        (
            DistrictData(
                "dongcheng",
                "Dongcheng",
                "东城区",
                "39.9288",
                "116.4160",
                (
                    Area(
                        "wangfujing",
                        "Wangfujing",
                        "王府井",
                        "39.9135",
                        "116.4105",
                        _streets(
                            ("王府井大街", "Wangfujing Street"),
                            ("东安门大街", "Dong'anmen Street"),
                            ("金鱼胡同", "Jinyu Hutong"),
                        ),
                    ),
                    Area(
                        "nanluoguxiang",
                        "Nanluoguxiang",
                        "南锣鼓巷",
                        "39.9370",
                        "116.4030",
                        _streets(
                            ("南锣鼓巷", "Nanluoguxiang"),
                            ("鼓楼东大街", "Gulou East Street"),
                            ("交道口南大街", "Jiaodaokou South Street"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "xicheng",
                "Xicheng",
                "西城区",
                "39.9123",
                "116.3660",
                (
                    Area(
                        "xidan",
                        "Xidan",
                        "西单",
                        "39.9095",
                        "116.3740",
                        _streets(
                            ("西单北大街", "Xidan North Street"),
                            ("灵境胡同", "Lingjing Hutong"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "chaoyang",
                "Chaoyang",
                "朝阳区",
                "39.9215",
                "116.4435",
                (
                    Area(
                        "sanlitun",
                        "Sanlitun",
                        "三里屯",
                        "39.9365",
                        "116.4545",
                        _streets(
                            ("三里屯路", "Sanlitun Road"),
                            ("工体北路", "Gongti North Road"),
                            ("新东路", "Xindong Road"),
                        ),
                    ),
                    Area(
                        "guomao",
                        "Guomao",
                        "国贸",
                        "39.9087",
                        "116.4600",
                        _streets(
                            ("建国门外大街", "Jianguomenwai Avenue"),
                            ("光华路", "Guanghua Road"),
                            ("东三环中路", "East 3rd Ring Middle Road"),
                        ),
                    ),
                    Area(
                        "wangjing",
                        "Wangjing",
                        "望京",
                        "39.9960",
                        "116.4700",
                        _streets(
                            ("阜通东大街", "Futong East Street"),
                            ("望京街", "Wangjing Street"),
                            ("广顺北大街", "Guangshun North Street"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "haidian",
                "Haidian",
                "海淀区",
                "39.9600",
                "116.2980",
                (
                    Area(
                        "zhongguancun",
                        "Zhongguancun",
                        "中关村",
                        "39.9830",
                        "116.3160",
                        _streets(
                            ("中关村大街", "Zhongguancun Street"),
                            ("海淀大街", "Haidian Street"),
                            ("科学院南路", "Kexueyuan South Road"),
                        ),
                    ),
                    Area(
                        "wudaokou",
                        "Wudaokou",
                        "五道口",
                        "39.9925",
                        "116.3375",
                        _streets(("成府路", "Chengfu Road"), ("王庄路", "Wangzhuang Road")),
                    ),
                ),
            ),
        ),
    ),
    CityData(
        "hangzhou",
        "Hangzhou",
        "杭州",
        "30.274100",
        "120.155100",
        "0571",
        (
            DistrictData(
                "shangcheng",
                "Shangcheng",
                "上城区",
                "30.2460",
                "120.1750",
                (
                    Area(
                        "hubin",
                        "Hubin (Lakeside)",
                        "湖滨",
                        "30.2575",
                        "120.1640",
                        _streets(
                            ("延安路", "Yan'an Road"),
                            ("东坡路", "Dongpo Road"),
                            ("平海路", "Pinghai Road"),
                        ),
                    ),
                    Area(
                        "qianjiang-new-town",
                        "Qianjiang New Town",
                        "钱江新城",
                        "30.2460",
                        "120.2110",
                        _streets(
                            ("富春路", "Fuchun Road"),
                            ("新业路", "Xinye Road"),
                            ("民心路", "Minxin Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "gongshu",
                "Gongshu",
                "拱墅区",
                "30.3190",
                "120.1420",
                (
                    Area(
                        "wulin",
                        "Wulin",
                        "武林",
                        "30.2745",
                        "120.1640",
                        _streets(
                            ("武林路", "Wulin Road"),
                            ("体育场路", "Tiyuchang Road"),
                            ("延安路", "Yan'an Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "xihu",
                "Xihu",
                "西湖区",
                "30.2594",
                "120.1300",
                (
                    Area(
                        "huanglong",
                        "Huanglong",
                        "黄龙",
                        "30.2700",
                        "120.1420",
                        _streets(
                            ("天目山路", "Tianmushan Road"),
                            ("曙光路", "Shuguang Road"),
                            ("杭大路", "Hangda Road"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "binjiang",
                "Binjiang",
                "滨江区",
                "30.2085",
                "120.2120",
                (
                    Area(
                        "xingguang-avenue",
                        "Xingguang Avenue",
                        "星光大道",
                        "30.2070",
                        "120.2150",
                        _streets(("江南大道", "Jiangnan Avenue"), ("闻涛路", "Wentao Road")),
                    ),
                ),
            ),
        ),
    ),
    CityData(
        "shenzhen",
        "Shenzhen",
        "深圳",
        "22.543100",
        "114.057900",
        "0755",
        (
            DistrictData(
                "futian",
                "Futian",
                "福田区",
                "22.5415",
                "114.0550",
                (
                    Area(
                        "chegongmiao",
                        "Chegongmiao",
                        "车公庙",
                        "22.5355",
                        "114.0240",
                        _streets(
                            ("深南大道", "Shennan Avenue"),
                            ("泰然九路", "Tairan 9th Road"),
                            ("香蜜湖路", "Xiangmihu Road"),
                        ),
                    ),
                    Area(
                        "futian-cbd",
                        "Futian CBD",
                        "福田CBD",
                        "22.5370",
                        "114.0570",
                        _streets(
                            ("福华三路", "Fuhua 3rd Road"),
                            ("益田路", "Yitian Road"),
                            ("金田路", "Jintian Road"),
                        ),
                    ),
                    Area(
                        "huaqiangbei",
                        "Huaqiangbei",
                        "华强北",
                        "22.5445",
                        "114.0860",
                        _streets(("华强北路", "Huaqiang North Road"), ("振华路", "Zhenhua Road")),
                    ),
                ),
            ),
            DistrictData(
                "nanshan",
                "Nanshan",
                "南山区",
                "22.5330",
                "113.9300",
                (
                    Area(
                        "houhai",
                        "Houhai",
                        "后海",
                        "22.5170",
                        "113.9370",
                        _streets(
                            ("文心五路", "Wenxin 5th Road"),
                            ("海德三道", "Haide 3rd Avenue"),
                            ("后海大道", "Houhai Avenue"),
                        ),
                    ),
                    Area(
                        "science-park",
                        "Science Park",
                        "科技园",
                        "22.5420",
                        "113.9530",
                        _streets(
                            ("科苑路", "Keyuan Road"),
                            ("高新南一道", "Gaoxin South 1st Avenue"),
                        ),
                    ),
                ),
            ),
            DistrictData(
                "luohu",
                "Luohu",
                "罗湖区",
                "22.5485",
                "114.1315",
                (
                    Area(
                        "dongmen",
                        "Dongmen",
                        "东门",
                        "22.5470",
                        "114.1200",
                        _streets(
                            ("东门中路", "Middle Dongmen Road"),
                            ("解放路", "Jiefang Road"),
                            ("人民北路", "Renmin North Road"),
                        ),
                    ),
                ),
            ),
        ),
    ),
)

# (slug, English, Chinese, Font Awesome icon, colour), in the order the home page shows them.
CATEGORIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("hotpot", "Hotpot", "火锅", "fa-fire-burner", "#e03131"),
    ("chinese", "Chinese food", "中餐", "fa-bowl-rice", "#a61e4d"),
    ("western", "Western dining", "西餐", "fa-utensils", "#e8590c"),
    ("coffee", "Coffee & desserts", "咖啡甜品", "fa-mug-hot", "#9c6644"),
    ("beauty", "Hair & beauty", "美发美甲", "fa-scissors", "#c2255c"),
    ("spa", "Spa & massage", "足疗按摩", "fa-spa", "#0ca678"),
    ("fitness", "Fitness", "运动健身", "fa-dumbbell", "#1971c2"),
    ("cinema", "Cinema & KTV", "电影 · KTV", "fa-film", "#7048e8"),
    ("carwash", "Car wash", "洗车养护", "fa-car", "#1098ad"),
    ("laundry", "Laundry", "洗衣护理", "fa-shirt", "#4263eb"),
    ("kids", "Kids & family", "亲子乐园", "fa-child-reaching", "#f76707"),
)


def area_index() -> dict[str, tuple[CityData, DistrictData, Area]]:
    """Every business area by its slug (unique across the demo's cities)."""
    return {
        area.slug: (city, district, area)
        for city in CITIES
        for district in city.districts
        for area in district.areas
    }


def offset(lat: Decimal, lng: Decimal, *, metres: float, bearing: float) -> tuple[Decimal, Decimal]:
    """The point `metres` away from (lat, lng) towards `bearing` (degrees from
    north), to six decimals (about 0.1 m): close enough on a city's scale to
    treat the earth as flat around the point."""
    north = metres * math.cos(math.radians(bearing))
    east = metres * math.sin(math.radians(bearing))
    dlat = math.degrees(north / EARTH_RADIUS_M)
    dlng = math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(float(lat)))))
    six = Decimal("0.000001")
    return (lat + Decimal(dlat)).quantize(six), (lng + Decimal(dlng)).quantize(six)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
