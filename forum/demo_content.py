"""Demo content for `flask seed-demo`.

Everything here is invented: the company, its products (AeroBook laptops, LinkPoint
routers, PrintJet printers, Nimbus phones, SecureTunnel VPN, HomeHub smart home),
model numbers, firmware and driver versions, error codes, people and conversations.
Any resemblance to real products or people is accidental. E-mail addresses use the
reserved example.com domain.

The module is plain data so the seeder (and tests) can import it without side effects:

* ``USERS``: demo accounts. ``bonus`` is a starting reputation bonus, added on top of
  whatever the seeded votes and accepted answers earn, so the demo shows users at
  different reputation levels.
* ``PRODUCTS``: product names the threads are filed under.
* ``THREADS``: questions with their answers and comments. Times are relative
  (``days_ago`` for a question, ``hours_after`` the question for an answer), and
  ``votes`` is the net score other users give a post.

Run ``python forum/demo_content.py`` to check the data against the forum's rules.
"""

USERS = [
    {"username": "admin", "email": "admin@example.com", "role": "admin", "bonus": 0},
    {"username": "sam_support", "email": "sam.support@example.com", "role": "staff", "bonus": 620},
    {"username": "priya.n", "email": "priya.n@example.com", "role": "moderator", "bonus": 540},
    {"username": "maria_k", "email": "maria@example.com", "role": "member", "bonus": 2400},
    {"username": "ohm-dev", "email": "ohm.dev@example.com", "role": "member", "bonus": 1350},
    {"username": "netgeek_42", "email": "netgeek42@example.com", "role": "member", "bonus": 310},
    {"username": "fixit.felix", "email": "felix@example.com", "role": "member", "bonus": 220},
    {"username": "jtorres", "email": "j.torres@example.com", "role": "member", "bonus": 85},
    {"username": "lena-b", "email": "lena.b@example.com", "role": "member", "bonus": 40},
    {"username": "kwame_a", "email": "kwame@example.com", "role": "member", "bonus": 20},
    {"username": "newbie_rob", "email": "rob.newbie@example.com", "role": "member", "bonus": 0},
    {"username": "dana.w", "email": "dana.w@example.com", "role": "member", "bonus": 0},
]

PRODUCTS = [
    "AeroBook laptops",
    "LinkPoint routers",
    "PrintJet printers",
    "Nimbus phones",
    "SecureTunnel VPN",
    "HomeHub smart home",
]

THREADS = [
    # 1 ------------------------------------------------------------------ Wi-Fi drops
    {
        "title": "AeroBook 14 Wi-Fi drops every few minutes on Windows 11, then reconnects on its own",
        "body": r"""Since about a week ago my AeroBook 14 loses Wi-Fi every 3-5 minutes. The icon switches to "No internet", and after roughly 20 seconds it comes back by itself. It's driving me mad on video calls. Other devices on the same network (phone, TV, my partner's laptop) are fine, so I don't think it's the router.

**Setup**

- AeroBook 14 (2023, i5 model), BIOS 1.09
- Windows 11 23H2, all updates installed
- Wireless adapter: AeroWave AX211, driver 22.200.0.6 (from Device Manager)
- Router: LinkPoint AX3000, connected on 5 GHz

**What I already tried**

- Forgot the network and reconnected
- `netsh winsock reset` and `netsh int ip reset`, then rebooted
- Turned off "Random hardware addresses" for this network

Event Viewer (System log) has one of these every time it drops:

```text
Source:      aerowlan
Event ID:    5005
Level:       Error
Description: AeroWave AX211 160MHz : Has performed a reset.
```

Any idea what else to check before I send it in for repair?""",
        "tags": ["wifi", "windows-11", "drivers"],
        "product": "AeroBook laptops",
        "author": "lena-b",
        "days_ago": 42,
        "votes": 7,
        "answers": [
            {
                "author": "maria_k",
                "body": r"""Event 5005 "has performed a reset" on the AX211 is almost always the adapter's power saving kicking in and the firmware failing to wake up cleanly. Three things fixed it on two AeroBook 14s I've dealt with:

1. **Update the driver from the AeroBook support page, not Windows Update.** Windows Update keeps offering 22.200.x, which has this bug. Version **23.40.0.4** or later fixes it. Install it, reboot.
2. **Stop Windows from powering the adapter down.** Device Manager → Network adapters → *AeroWave AX211* → Properties → **Power Management** → untick *Allow the computer to turn off this device to save power*.
3. **Adapter advanced settings.** Same Properties window → **Advanced** tab:
   - *MIMO Power Save Mode* → **No SMPS**
   - *Roaming Aggressiveness* → **1. Lowest** (otherwise it keeps scanning for a "better" AP, which looks exactly like a drop)
   - *Preferred Band* → **Prefer 5GHz band**

Also check Control Panel → Power Options → Change plan settings → Change advanced power settings → *Wireless Adapter Settings* → *Power Saving Mode* → set **On battery** to *Maximum Performance* as well.

You can confirm which driver is actually loaded with:

```powershell
netsh wlan show drivers | Select-String "Driver|Version|Date"
```

If it still drops after all that, run `netsh wlan show wlanreport` and look at the disconnect reasons in the generated HTML report.""",
                "votes": 9,
                "accepted": True,
                "hours_after": 3,
                "comments": [
                    {"author": "lena-b", "body": "The Roaming Aggressiveness change plus the new driver did it. Two full days now without a single drop. Thank you so much!"},
                    {"author": "ohm-dev", "body": "Can confirm 23.40.0.4 fixed the 5005 resets on mine too. Windows Update tried to 'upgrade' me back to 22.200 a week later, so hide that update if you can."},
                ],
            },
            {
                "author": "fixit.felix",
                "body": """Try changing your router to a fixed channel (36 or 40) and turn off 160 MHz channel width. Some laptops don't like the wide channels and disconnect.""",
                "votes": 1,
                "accepted": False,
                "hours_after": 20,
                "comments": [],
            },
        ],
        "comments": [
            {"author": "priya.n", "body": "Does it drop on 2.4 GHz as well, or only on 5 GHz? And is the laptop on battery or plugged in when it happens?"},
            {"author": "lena-b", "body": "Both bands. Now that you mention it, it happens much more often on battery."},
        ],
    },
    # 2 ------------------------------------------------------------------ Printer offline
    {
        "title": "PrintJet 3200 shows \"Offline\" in Windows, but the printer's own test page prints fine",
        "body": """My PrintJet 3200 keeps showing as **Offline** under Settings → Bluetooth & devices → Printers & scanners. The printer itself is on, connected to Wi-Fi (blue light is solid) and the network configuration page prints without problems. Phone printing also works.

It worked fine until last week. We had a power cut on Tuesday, not sure if related.

Windows 11, printer firmware 2.31. Already removed and re-added the printer once; it came back as online for about an hour then went offline again.""",
        "tags": ["printing", "offline", "windows-11", "network"],
        "product": "PrintJet printers",
        "author": "kwame_a",
        "days_ago": 18,
        "votes": 4,
        "answers": [
            {
                "author": "sam_support",
                "body": r"""Hi, Sam from the support team here. The power cut is very likely the cause: after the outage the router handed the printer a **new IP address**, but Windows is still talking to the old one. When you re-add the printer Windows usually picks the auto-discovered *WSD* port, which has the same problem the next time the address changes.

The permanent fix is to give the printer a fixed address and print to it by IP:

1. Print the **Network Configuration Page** (hold the *i* button for 3 seconds) and note the IPv4 address and MAC address.
2. In your router, create a **DHCP reservation** for that MAC address. On a LinkPoint router: *Advanced → Network → DHCP Server → Address Reservation → Add*.
3. In Windows, open *Control Panel → Devices and Printers*, right-click the PrintJet 3200 → **Printer properties** → **Ports** tab → **Add Port… → Standard TCP/IP Port** → enter the reserved IP.
4. Make sure the new port is ticked and untick the old *WSD-…* port, then **Apply**.
5. In the same window, click **Configure Port** and make sure *SNMP Status Enabled* is ticked with community name `public` (the printer uses this to report online/offline status).

After that the printer should stay online even after the router restarts. If it doesn't, please reply with your printer's firmware version and we'll take a look.""",
                "votes": 8,
                "accepted": True,
                "hours_after": 5,
                "comments": [
                    {"author": "kwame_a", "body": "The IP had changed from .23 to .41. Did the reservation and the TCP/IP port and it has stayed online for 4 days now. Thanks Sam."},
                ],
            },
            {
                "author": "jtorres",
                "body": r"""Sometimes the print spooler just gets stuck with an old job. Open PowerShell as admin and run:

```powershell
Stop-Service -Name Spooler -Force
Remove-Item -Path "$env:SystemRoot\System32\spool\PRINTERS\*" -Force
Start-Service -Name Spooler
```

Then check if it shows online again.""",
                "votes": 2,
                "accepted": False,
                "hours_after": 9,
                "comments": [
                    {"author": "maria_k", "body": "Clearing the spooler helps with stuck jobs, but it won't help if the printer changed IP address. Worth doing in addition though."},
                ],
            },
        ],
        "comments": [],
    },
    # 3 ------------------------------------------------------------------ BSOD after update
    {
        "title": "Blue screen DRIVER_IRQL_NOT_LESS_OR_EQUAL (aerotouch.sys) after the latest Windows update",
        "body": r"""Since last Tuesday's cumulative update my AeroBook Pro 16 blue-screens 2-3 times a day, usually when I wake it from sleep or plug/unplug the charger.

Stop code: **DRIVER_IRQL_NOT_LESS_OR_EQUAL**
What failed: **aerotouch.sys**

I opened the minidump in a kernel debugger (`!analyze -v`), relevant part:

```text
BugCheck D1, {0, 2, 0, fffff80457a31b2c}

*** WARNING: Unable to verify timestamp for aerotouch.sys
Probably caused by : aerotouch.sys ( aerotouch+1b2c )

Followup:     MachineOwner
---------
IMAGE_NAME:  aerotouch.sys
MODULE_NAME: aerotouch
IMAGE_VERSION:  3.1.4.0
```

Things I tried:

- `sfc /scannow`: no integrity violations
- `DISM /Online /Cleanup-Image /RestoreHealth`: completed successfully
- Uninstalled the update: the crashes stopped, but Windows reinstalled it overnight

Windows 11 23H2, BIOS 1.12. Is there a newer touchpad driver somewhere?""",
        "tags": ["bsod", "windows-11", "windows-update", "drivers"],
        "product": "AeroBook laptops",
        "author": "jtorres",
        "days_ago": 65,
        "votes": 6,
        "answers": [
            {
                "author": "sam_support",
                "body": r"""Thanks for including the dump analysis, that makes this quick. This is a known issue: **AeroTouch precision touchpad driver 3.1.4** conflicts with the latest Windows cumulative update on AeroBook Pro 16 and AeroBook 14 (2023). It is fixed in **AeroTouch 3.2.0**.

**If Windows starts normally**

1. Open *AeroBook Support Assistant* → *Updates* → *Check for updates* and install "AeroTouch Precision Touchpad Driver 3.2.0".
2. Or download it manually from the AeroBook Pro 16 driver page (category *Input devices*) and run the installer.
3. Reboot and confirm the version in Device Manager → *Human Interface Devices* → *AeroTouch Precision TouchPad* → Driver tab.

**If it crashes too often to do that**, boot into Safe Mode (hold Shift while clicking Restart → Troubleshoot → Advanced options → Startup Settings → 4) and remove the old driver package first:

```powershell
pnputil /enum-drivers | Select-String -Context 2,6 "aerotouch"
# note the "Published Name" of the 3.1.4 package, e.g. oem42.inf, then:
pnputil /delete-driver oem42.inf /uninstall /force
```

Windows will fall back to the generic HID touchpad driver (no gestures, but stable) until you install 3.2.0. You do not need to uninstall the Windows update.""",
                "votes": 9,
                "accepted": True,
                "hours_after": 6,
                "comments": [
                    {"author": "jtorres", "body": "Installed 3.2.0 via Support Assistant, no blue screens for a week now. Thanks!"},
                    {"author": "maria_k", "body": "For anyone finding this later: the AeroBook 13 isn't affected, it uses a different touchpad driver."},
                ],
            },
            {
                "author": "fixit.felix",
                "body": """Honestly just do a clean reinstall of Windows from a USB stick. Updates always leave junk behind and a fresh install fixes 90% of these things.""",
                "votes": -1,
                "accepted": False,
                "hours_after": 14,
                "comments": [
                    {"author": "priya.n", "body": "A reinstall is a last resort. The dump points at one specific driver, so replacing that driver is far quicker and keeps all your apps and settings."},
                ],
            },
        ],
        "comments": [
            {"author": "ohm-dev", "body": "Does it also crash if you disable the touchpad in Device Manager for a day? That would confirm it's the driver and not something that just happens to be on the stack."},
        ],
    },
    # 4 ------------------------------------------------------------------ VPN error code
    {
        "title": "SecureTunnel VPN fails with error ST-4012 \"Handshake timed out\" on my home network",
        "body": """SecureTunnel won't connect from home. It sits on "Connecting…" for about 30 seconds and then shows:

> Error ST-4012: Handshake timed out. The server did not respond.

The same laptop connects fine on my phone's hotspot, so the account and the server are OK. Client version 5.2.1 on Windows 11. My ISP gave me their own router (not a LinkPoint), I can get into its settings if needed.

Here's the end of the client log (Help → Open log folder):

```text
[14:02:11.384] INFO  Connecting to gw-eu2.securetunnel.example:500 (IKEv2)
[14:02:11.391] INFO  Sent IKE_SA_INIT (384 bytes)
[14:02:15.392] WARN  No response, retransmitting IKE_SA_INIT (1/4)
[14:02:23.393] WARN  No response, retransmitting IKE_SA_INIT (2/4)
[14:02:39.395] WARN  No response, retransmitting IKE_SA_INIT (3/4)
[14:02:41.396] ERROR ST-4012 handshake timed out after 30000 ms
```""",
        "tags": ["vpn", "error-code", "windows-11"],
        "product": "SecureTunnel VPN",
        "author": "dana.w",
        "days_ago": 9,
        "votes": 3,
        "answers": [
            {
                "author": "netgeek_42",
                "body": """Your log shows the client never gets a reply to its very first IKE packet on UDP 500, and it works on a hotspot, so something on your home network is eating IPsec/IKE traffic. On ISP routers that's usually one of these:

- **IPsec passthrough disabled**: look under *Firewall*, *Security* or *NAT/ALG* in the router UI and enable *IPsec Passthrough* (sometimes listed together with PPTP/L2TP passthrough).
- **"Firewall level: High"**: some ISP boxes block UDP 500/4500 outbound at the highest level. Drop it to *Medium/Standard*.
- A **SIP ALG** or "gaming mode" that rewrites UDP. Turn it off while testing.

Quickest workaround, no router changes needed: switch SecureTunnel to the TCP mode. *Settings → Connection → Protocol → **Stealth (TCP 443)***. That goes out like normal HTTPS traffic, which every router lets through. It's a bit slower than IKEv2 but fine for most work.""",
                "votes": 7,
                "accepted": True,
                "hours_after": 2,
                "comments": [
                    {"author": "dana.w", "body": "Stealth mode connects straight away. Found 'IPsec Passthrough' under NAT settings, it was off. Turned it on and IKEv2 works now too."},
                ],
            },
            {
                "author": "sam_support",
                "body": """To add to the answer above: **ST-4012** always means the first handshake packet got no reply at all, so it's a network path problem, not an account or licence problem (those are ST-2xxx codes).

If changing the router settings doesn't help, please export diagnostics via *Help → Export diagnostics* and open a ticket with the ZIP attached; it includes a short UDP reachability test to each gateway that tells us exactly where the packets stop.""",
                "votes": 5,
                "accepted": False,
                "hours_after": 7,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 5 ------------------------------------------------------------------ Phone not charging
    {
        "title": "Nimbus X3 won't charge anymore, sometimes says \"Charging paused\"",
        "body": """my phone wont charge anymore. tried 2 different cables and the original charger. sometimes it says charging paused and sometimes nothing happens at all. phone is about 1 year old. pls help i need it for work""",
        "tags": ["charging", "battery", "usb-c"],
        "product": "Nimbus phones",
        "author": "newbie_rob",
        "days_ago": 27,
        "votes": 2,
        "answers": [
            {
                "author": "fixit.felix",
                "body": """Two very common causes, check both:

**1. Pocket lint in the USB-C port.** After a year in a pocket the port packs full of lint, and the plug only goes in halfway. Switch the phone off, shine a torch in the port and gently scrape along the *walls* (not the middle tongue) with a wooden toothpick. You'll be surprised what comes out. No metal, and don't blow into it (moisture).

**2. Battery protection.** "Charging paused" is usually the phone doing it on purpose:

- *Settings → Battery → Battery protection*: if set to **Limit to 80%** it stops at 80% and shows paused.
- If the phone is hot (gaming while charging, sitting in the sun) charging pauses until it cools below about 40 °C.

If the port is clean and it still won't charge with a known-good cable, it's probably the charging port board, which a repair centre can replace fairly cheaply.""",
                "votes": 8,
                "accepted": True,
                "hours_after": 4,
                "comments": [
                    {"author": "newbie_rob", "body": "omg there was SO much lint in there. charging normally now. thank you!!"},
                ],
            },
        ],
        "comments": [
            {"author": "priya.n", "body": "Does the phone show anything at all when you plug it in, like the lightning icon or a vibration? And does it charge when it's switched off?"},
        ],
    },
    # 6 ------------------------------------------------------------------ Bluetooth stutter
    {
        "title": "Bluetooth headphones stutter on AeroBook Pro 16 whenever Wi-Fi is busy",
        "body": """My Bluetooth headphones (over-ear, AAC/SBC) stutter and drop out for half a second every time the laptop does something on the network: downloading, a video call, cloud sync. When I turn Wi-Fi off, audio is perfect.

- AeroBook Pro 16, Windows 11 23H2
- Bluetooth driver 22.150.0.3
- Wi-Fi connected to 2.4 GHz (our office router only has 2.4 in my room)

Same headphones work perfectly on my phone. Any settings I can change?""",
        "tags": ["bluetooth", "audio", "wifi", "windows-11"],
        "product": "AeroBook laptops",
        "author": "jtorres",
        "days_ago": 50,
        "votes": 5,
        "answers": [
            {
                "author": "maria_k",
                "body": """That's classic Wi-Fi/Bluetooth coexistence trouble. Bluetooth also lives in the 2.4 GHz band and shares the same antenna as Wi-Fi on the AeroBook Pro 16, so heavy 2.4 GHz Wi-Fi traffic starves the audio stream.

In order of effectiveness:

1. **Use 5 GHz Wi-Fi** if there's any way to get it (a second SSID, a mesh node, a USB Ethernet adapter at your desk). That alone fixes it for most people.
2. **Turn on coexistence in the Wi-Fi driver**: Device Manager → Network adapters → *AeroWave AX211* → Advanced → *Bluetooth® collaboration* → **Enable**. It's off by default on some driver versions.
3. **Update Bluetooth to 23.40 or newer** from the AeroBook support page; the release notes mention "improved A2DP stability under Wi-Fi load".
4. **Stop the headset dropping into "hands-free" mode.** Control Panel → Devices and Printers → your headphones → Properties → *Services* → untick **Hands-free Telephony**. Then apps can't switch it to the low-quality call profile. (You'll need the laptop mic for calls.)

With 2 + 3 I can stream music during a large download on 2.4 GHz without a single drop.""",
                "votes": 8,
                "accepted": True,
                "hours_after": 11,
                "comments": [
                    {"author": "jtorres", "body": "Bluetooth collaboration was set to Disabled. Enabling it made a massive difference. Will ask IT about 5 GHz too."},
                ],
            },
            {
                "author": "kwame_a",
                "body": """Had the same issue. I gave up and bought a cheap USB Bluetooth dongle, plugged into the port on the other side from the Wi-Fi antenna, and the stuttering went away.""",
                "votes": 1,
                "accepted": False,
                "hours_after": 30,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 7 ------------------------------------------------------------------ Router firmware
    {
        "title": "LinkPoint AX5400 firmware update fails at 87% with \"Image verification failed\"",
        "body": """Trying to update my LinkPoint AX5400 from **1.2.6** to the current **1.4.2** via the web UI (*System → Firmware Upgrade → Local upgrade*). Progress bar goes to 87%, then:

> Upgrade failed: Image verification failed (code 0x1F). The router will restart with the current firmware.

Router restarts and is still on 1.2.6. Tried three times, two different browsers, same result. Online upgrade says "You are running the latest firmware", which is clearly wrong.

I downloaded the file from the support site and checked the hash against the one on the download page:

```bash
$ sha256sum LP-AX5400_v1.4.2_build4471.zip
3f9c0a6e51d2b7c84e0f19ab6d2c53e8a7b1904d6c2e5f8a0b3d7c1e9f4a2b60  LP-AX5400_v1.4.2_build4471.zip
```

Hash matches. Hardware version on the label is V1.1. Connected over Wi-Fi for the upgrade (the router is in a cupboard).""",
        "tags": ["firmware", "router", "update"],
        "product": "LinkPoint routers",
        "author": "ohm-dev",
        "days_ago": 75,
        "votes": 5,
        "answers": [
            {
                "author": "sam_support",
                "body": """Hi, this one trips up a lot of people, so thanks for the detailed report. Three things are going on:

1. **Upload the `.bin`, not the `.zip`.** The download is a ZIP containing the firmware image and the release notes. The router only accepts the extracted `LP-AX5400_v1.4.2_build4471.bin`. (The checksum on the download page is for the ZIP, which is why yours matched.)
2. **1.2.x cannot jump straight to 1.4.x.** Version 1.3.0 changed the image signing key, so routers on 1.2.x need the intermediate **1.3.8** first. The path is **1.2.6 → 1.3.8 → 1.4.2**. Both files are listed under *Previous versions* on the AX5400 download page.
3. **Do it over a cable if at all possible.** The router restarts its radios during the upgrade; over Wi-Fi the browser sometimes loses the session before the final step. Plug a laptop into a LAN port for the few minutes it takes.

Don't power off the router during the upgrade, and leave it alone for 3 minutes after it reboots. Afterwards, *System → Backup & Restore → Factory reset* is recommended when coming from 1.2.x, since some saved settings don't carry over cleanly. Back up your config first.""",
                "votes": 9,
                "accepted": True,
                "hours_after": 8,
                "comments": [
                    {"author": "ohm-dev", "body": "The intermediate version was the missing piece. 1.2.6 → 1.3.8 → 1.4.2 over a cable worked first time. That should really be in bold in the release notes."},
                    {"author": "sam_support", "body": "Agreed. I've passed that on to the firmware team, and the download page now has a note about the upgrade path."},
                ],
            },
        ],
        "comments": [
            {"author": "netgeek_42", "body": "Are you uploading the .zip itself or the .bin inside it? The UI doesn't complain about the wrong file type until the verification step."},
        ],
    },
    # 8 ------------------------------------------------------------------ Smart plug pairing
    {
        "title": "HomeHub Plug Mini won't pair, app stuck on \"Searching for device…\"",
        "body": """Bought 3 HomeHub Plug Minis. None of them will pair. The plug blinks amber, I follow the steps in the HomeHub app, it says "Searching for device…" for 2 minutes, then "Device not found. Make sure it's in pairing mode."

- Android 14, HomeHub app 6.3.0
- Router: ISP router, one Wi-Fi name for both bands, WPA3 security
- Bluetooth and location are on

Hub (HomeHub Bridge) is already set up and works fine with my two bulbs. What am I doing wrong?""",
        "tags": ["smart-plug", "pairing", "wifi"],
        "product": "HomeHub smart home",
        "author": "kwame_a",
        "days_ago": 12,
        "votes": 3,
        "answers": [
            {
                "author": "netgeek_42",
                "body": """Two things in your setup are known problems for the Plug Mini:

**WPA3.** The Plug Mini only supports **WPA2** (or WPA2/WPA3 mixed / "transition" mode). On a WPA3-only network it can't join, and the app just reports "not found". Switch the router's security to *WPA2/WPA3-Personal*; your other devices won't notice.

**One name for both bands (band steering).** The plug is **2.4 GHz only**. Usually that's fine, but during pairing the app hands the plug the network your phone is on, and if the phone is on 5 GHz the setup can time out. Either:

- temporarily create a separate 2.4 GHz network (many routers call it "split bands" or "Smart Connect: off"), or
- stand far enough away from the router that your phone drops to 2.4 GHz while pairing.

Then reset the plug properly: hold the button for **10 seconds** until it blinks amber *fast* (slow blinking is the wrong mode), and start pairing again. Also give the HomeHub app the *Nearby devices* permission; Android 14 needs that for the Bluetooth part of the setup, even with location on.""",
                "votes": 7,
                "accepted": True,
                "hours_after": 3,
                "comments": [
                    {"author": "kwame_a", "body": "It was WPA3. Switched to WPA2/WPA3 mixed and all three plugs paired in a couple of minutes each. Thanks!"},
                ],
            },
            {
                "author": "priya.n",
                "body": """If you can't change the router security, the HomeHub Bridge can act as the access point: *HomeHub app → Bridge → Settings → Accessory network → Enable*. The plugs join the Bridge's own 2.4 GHz WPA2 network instead of your router.""",
                "votes": 3,
                "accepted": False,
                "hours_after": 26,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 9 ------------------------------------------------------------------ Battery drain in sleep
    {
        "title": "AeroBook 13 loses 30-40% battery overnight while asleep",
        "body": """Closing the lid at 100% in the evening and opening it in the morning at 60-65%. It's also noticeably warm in the bag sometimes. AeroBook 13, Windows 11 23H2, BIOS 1.07.

I ran `powercfg /sleepstudy` and the report shows these top offenders during the overnight sessions:

| Component | Type | Active time | Energy share |
|---|---|---|---|
| AeroWave AX211 (Wi-Fi) | Device | 41% | 38% |
| CloudSync.exe | Process | 22% | 17% |
| Windows Update (wuauserv) | Service | 9% | 8% |
| Fingerprint sensor | Device | 3% | 2% |

Session summary says "Software: 61%, Hardware: 39%". I know this laptop uses Modern Standby rather than real S3 sleep, but 5% per hour seems way too much. Is there a way to get proper sleep back?""",
        "tags": ["battery", "sleep", "modern-standby", "windows-11"],
        "product": "AeroBook laptops",
        "author": "maria_k",
        "days_ago": 58,
        "votes": 8,
        "answers": [
            {
                "author": "ohm-dev",
                "body": r"""S3 isn't coming back on this model: the AeroBook 13 firmware only exposes S0 low-power idle, `powercfg /a` will confirm that. But you can get the drain down to about 1%/hour and let hibernate handle the rest.

**1. Stop Wi-Fi staying connected in standby** (your biggest offender). The setting is hidden by default; unhide it and turn it off on battery from an admin PowerShell:

```powershell
# Show the hidden "Networking connectivity in Standby" setting, then disable it on battery
powercfg /attributes SUB_NONE F15576E8-98B7-4186-B944-EAFA664402D9 -ATTRIB_HIDE
powercfg /setdcvalueindex SCHEME_CURRENT SUB_NONE F15576E8-98B7-4186-B944-EAFA664402D9 0
powercfg /setactive SCHEME_CURRENT
```

After that it shows up in the classic Power Options dialog as *Networking connectivity in Standby → On battery: Disable*.

**2. Tame CloudSync.** It keeps syncing during standby. In its settings turn off *Sync while on battery*, or set it to "Pause when the PC is asleep".

**3. Hibernate after a while.** This is what makes overnight drain a non-issue:

```powershell
powercfg /hibernate on
powercfg /change hibernate-timeout-dc 60
```

Now it sleeps for the first hour (instant wake) and hibernates after that (zero drain, ~8 s resume).

Run `powercfg /sleepstudy` again after a couple of nights; the Wi-Fi line should be gone.""",
                "votes": 8,
                "accepted": True,
                "hours_after": 5,
                "comments": [
                    {"author": "maria_k", "body": "Networking in standby off + hibernate after 60 min: last night 100% → 97%. Exactly what I wanted, thanks."},
                    {"author": "netgeek_42", "body": "Note that with networking disabled in standby you won't get notifications while the lid is closed. For most people that's the point, but worth knowing."},
                ],
            },
            {
                "author": "sam_support",
                "body": """Official note for AeroBook 13 owners: **BIOS 1.10** includes an embedded controller update that reduces standby drain (the fan controller and keyboard backlight controller were not entering their low-power state). Together with the settings above, our lab measures about 0.8% per hour in Modern Standby.

Install it through *AeroBook Support Assistant → Updates* with the charger connected.""",
                "votes": 6,
                "accepted": False,
                "hours_after": 29,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 10 ----------------------------------------------------------------- Blank pages
    {
        "title": "PrintJet Pro 8600 prints blank pages after replacing the black cartridge",
        "body": """Replaced the black ink cartridge yesterday (genuine PrintJet 952XL). Since then every black-and-white document comes out completely blank. Colour photos print but without any black, so dark areas look brownish.

The printer says ink levels are fine and the cartridge is recognised. I already turned it off and on, and printed from two different computers (one Mac, one Windows). Firmware 4.12.""",
        "tags": ["printing", "ink", "cartridge", "print-quality"],
        "product": "PrintJet printers",
        "author": "lena-b",
        "days_ago": 33,
        "votes": 4,
        "answers": [
            {
                "author": "fixit.felix",
                "body": """Nine times out of ten it's the orange protective tape. On the 952XL there are **two** bits: the pull tab on top *and* a small clear strip over the nozzles at the bottom. If the clear strip is still on, nothing comes out. Take the cartridge out and check.

If the tape is off:

1. On the printer: *Setup → Tools → Printer Maintenance → **Clean Printhead***. Print the quality report when it asks.
2. If black is still missing or streaky, run **Clean Printhead** once more (the second pass is a deeper clean).
3. If it's *still* blank, let it sit for an hour. A new cartridge sometimes needs time for the ink to reach the nozzles. Then run the clean once more.

Don't run more than 3 cleaning cycles back to back, it uses a lot of ink.""",
                "votes": 7,
                "accepted": True,
                "hours_after": 2,
                "comments": [
                    {"author": "lena-b", "body": "There WAS a clear strip at the bottom. I never even noticed it. Printing perfectly now, thanks!"},
                ],
            },
            {
                "author": "jtorres",
                "body": """Check the paper type in the print dialog. If it's set to something like transparency or photo paper the printer uses different ink and can print very light.""",
                "votes": 0,
                "accepted": False,
                "hours_after": 6,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 11 ----------------------------------------------------------------- Overheating (unsolved)
    {
        "title": "Nimbus 7 Lite gets very hot after the Android 14 update, even when idle",
        "body": """Since installing the Android 14 update (build NM7L.14.0.2) my Nimbus 7 Lite gets hot around the camera area even when it's just lying on the table. Battery went from lasting a full day to about 9 hours.

Battery usage screen shows "Android System" at 31% and "Nimbus Cloud Sync" at 18%, which seems odd since I barely use Cloud Sync.

- Cleared the cache partition from recovery mode
- Restarted many times
- Updated all apps from the store

Is anyone else seeing this? I don't want to factory reset unless I have to.""",
        "tags": ["overheating", "android-14", "battery", "update"],
        "product": "Nimbus phones",
        "author": "dana.w",
        "days_ago": 6,
        "votes": 6,
        "answers": [
            {
                "author": "fixit.felix",
                "body": """After a big Android update the phone re-optimises all your apps in the background, which makes it warm and eats battery for a day or two. Just leave it on the charger overnight a couple of times and it usually settles down.""",
                "votes": 3,
                "accepted": False,
                "hours_after": 5,
                "comments": [
                    {"author": "dana.w", "body": "It's been almost a week now, so I don't think it's the optimisation thing unfortunately."},
                ],
            },
            {
                "author": "sam_support",
                "body": """Thanks for reporting this. We've confirmed an issue in **14.0.2** on the Nimbus 7 Lite where *Nimbus Cloud Sync* retries a failed photo backup in a tight loop, keeping the CPU awake (which is also why "Android System" is so high). A fix is in **14.0.3**, rolling out over the next two weeks.

Until then:

1. *Settings → Apps → Nimbus Cloud Sync → Battery* → set to **Restricted**.
2. If you use Cloud Sync for photos, open it and check *Backup → Failed items*. Removing or retrying the stuck item stops the loop.
3. *Settings → System → Software update* → check regularly; 14.0.3 will appear there.

If the phone still gets hot with Cloud Sync restricted, please boot into safe mode (hold the power-off button) and let us know whether it still heats up there. That tells us whether a third-party app is involved.""",
                "votes": 4,
                "accepted": False,
                "hours_after": 28,
                "comments": [
                    {"author": "dana.w", "body": "Restricted Cloud Sync and there were 212 failed items in the backup queue. Cleared them. It's cooler already, will report back after a full day."},
                ],
            },
        ],
        "comments": [
            {"author": "maria_k", "body": "Same on my partner's 7 Lite since 14.0.2. The regular Nimbus 7 on 14.0.2 seems fine, so it may be model specific."},
        ],
    },
    # 12 ----------------------------------------------------------------- VPN slow on hotel Wi-Fi
    {
        "title": "SecureTunnel is unusably slow on hotel Wi-Fi but fine at home",
        "body": """I travel a lot for work. At home SecureTunnel gives me ~80 Mbit/s, but in hotels it's often under 1 Mbit/s: web pages half-load, my mail client says "disconnected", file shares time out. Without the VPN the hotel Wi-Fi itself is okay (speed test 20-30 Mbit/s).

Client 5.2.1, Windows 11. It auto-selects the protocol. I noticed it often ends up on "Stealth (TCP 443)" in hotels.""",
        "tags": ["vpn", "performance", "mtu", "hotel-wifi"],
        "product": "SecureTunnel VPN",
        "author": "jtorres",
        "days_ago": 88,
        "votes": 4,
        "answers": [
            {
                "author": "netgeek_42",
                "body": """Classic hotel network symptoms: **MTU problems** plus **TCP-over-TCP**. Small packets (DNS, the start of a page) get through, big ones get silently dropped, so things "half load".

**1. Find the real MTU.** On the hotel network, without the VPN:

```powershell
# 1472 + 28 bytes of headers = 1500. Lower the size until you stop seeing "Packet needs to be fragmented"
ping 1.1.1.1 -f -l 1472
ping 1.1.1.1 -f -l 1400
ping 1.1.1.1 -f -l 1360
```

The largest size that works + 28 = the path MTU. Hotel captive portals and their tunnels often give you something like 1400-1420 instead of 1500.

**2. Set the tunnel MTU below that.** *SecureTunnel → Settings → Advanced → MTU* → set **1280** (safe everywhere) or path MTU minus 80.

**3. Avoid Stealth (TCP) if UDP works.** Running TCP traffic inside a TCP tunnel means both layers retransmit on any packet loss and the speed collapses. Force *Settings → Connection → Protocol → **WireGuard (UDP)*** and only fall back to Stealth if UDP is blocked.

My results in the same hotel:

| Protocol | MTU | Download |
|---|---|---|
| Stealth (TCP 443) | auto (1500) | 0.7 Mbit/s |
| Stealth (TCP 443) | 1280 | 6 Mbit/s |
| WireGuard (UDP) | 1280 | 24 Mbit/s |""",
                "votes": 9,
                "accepted": True,
                "hours_after": 10,
                "comments": [
                    {"author": "jtorres", "body": "MTU 1280 + WireGuard: from 0.8 Mbit to 22 Mbit on the same hotel network tonight. Incredible difference, thank you."},
                    {"author": "sam_support", "body": "Good write-up. Client 5.3 will detect the path MTU automatically, but until then 1280 is the value we recommend for travellers."},
                ],
            },
        ],
        "comments": [],
    },
    # 13 ----------------------------------------------------------------- Monitor over USB-C
    {
        "title": "External monitor not detected over USB-C on AeroBook 13 (works with my work laptop)",
        "body": """I have a 27" monitor with a USB-C input. With my work laptop I plug in one cable and get picture + charging. With my AeroBook 13 nothing happens: the monitor says "No signal" and Windows doesn't detect a second display (Settings → Display → Detect says "Didn't detect another display").

The laptop does charge from the monitor, so the cable is working at least partly. Windows 11, graphics driver 31.0.101.4502. What am I missing?""",
        "tags": ["usb-c", "external-monitor", "display"],
        "product": "AeroBook laptops",
        "author": "kwame_a",
        "days_ago": 21,
        "votes": 5,
        "answers": [
            {
                "author": "maria_k",
                "body": """The AeroBook 13's two USB-C ports are **not identical**, and the cable matters too.

| Port | Icon | Data | Charging | Video (DisplayPort Alt Mode) |
|---|---|---|---|---|
| Left, near the hinge | ⚡ + DP logo | 10 Gbit/s | Yes | **Yes** |
| Right | none | 5 Gbit/s | Yes | **No** |

So:

1. Plug the monitor into the **left** port (the one with the small DisplayPort icon).
2. Use a cable that supports video. The short cables that come with chargers are usually USB 2.0 "charge only": they charge fine but carry no video. Look for a cable marked *USB 3.x*, *10 Gbps*, or with a DP/monitor symbol. The one that came with the monitor is the safest bet.
3. On the monitor, set the input to **USB-C** manually if auto-detect doesn't switch.

If it still doesn't work with the left port and the monitor's own cable, update the **USB-C PD controller firmware** (it's listed separately from the BIOS in Support Assistant). Version 2.4 fixed DP Alt Mode with some monitors.""",
                "votes": 9,
                "accepted": True,
                "hours_after": 1,
                "comments": [
                    {"author": "kwame_a", "body": "Wrong port AND wrong cable. Left port with the monitor's cable works perfectly. I feel a bit silly. Thanks Maria!"},
                ],
            },
            {
                "author": "sam_support",
                "body": """Confirming Maria's answer. Only the left USB-C port on the AeroBook 13 supports display output. The AeroBook 13 port guide (on the product support page, under *Documents*) has a diagram of all ports. The AeroBook 14 and Pro 16 support video on both USB-C ports.""",
                "votes": 5,
                "accepted": False,
                "hours_after": 4,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 14 ----------------------------------------------------------------- macOS system extension
    {
        "title": "macOS Sonoma keeps asking to allow the SecureTunnel system extension after every reboot",
        "body": """After every reboot on my Mac (Sonoma 14.4, ARM-based) SecureTunnel says *"System Extension Blocked. Allow it in System Settings → Privacy & Security"*. I click Allow, enter my password, it connects. Next reboot, same thing.

SecureTunnel for macOS 5.1.0. This is my personal Mac, no MDM. Anyone else?""",
        "tags": ["macos", "sonoma", "vpn", "system-extension"],
        "product": "SecureTunnel VPN",
        "author": "ohm-dev",
        "days_ago": 55,
        "votes": 3,
        "answers": [
            {
                "author": "sam_support",
                "body": """This happens when a **leftover extension from an older version** is still registered: macOS sees two SecureTunnel extensions with the same bundle ID, activates the old one at boot, and the app asks to approve the new one again.

1. Check what's registered:

```bash
systemextensionsctl list
```

You'll probably see two `com.securetunnel.client.network-extension` entries, one marked `[terminated waiting to uninstall on reboot]` or with an older version.

2. Quit SecureTunnel, then run the bundled uninstaller, which removes the extension properly (dragging the app to the Bin does not):

```bash
sudo "/Applications/SecureTunnel.app/Contents/Resources/uninstall.sh"
```

3. Reboot, install **5.2.1 or later** from the website, approve the extension once, reboot again to confirm.

5.2.1 also changed how the extension is updated, so future updates shouldn't trigger this again.""",
                "votes": 6,
                "accepted": True,
                "hours_after": 20,
                "comments": [
                    {"author": "ohm-dev", "body": "There were indeed two entries, one from 4.9. Uninstall script + 5.2.1 fixed it, survived three reboots so far."},
                ],
            },
        ],
        "comments": [],
    },
    # 15 ----------------------------------------------------------------- Ubuntu touchpad
    {
        "title": "Ubuntu 24.04 on AeroBook 14: touchpad dead after resuming from suspend",
        "body": """Fresh install of Ubuntu 24.04 LTS (kernel 6.8.0-31-generic) on an AeroBook 14 (2023). Everything works great except: after suspend/resume the touchpad is gone. Not just unresponsive, it disappears from `xinput`/`libinput list-devices`. Only a reboot brings it back.

`dmesg` after resume:

```text
[ 1843.220114] i2c_hid_acpi i2c-ATP0105:00: failed to reset device: -61
[ 1843.220231] i2c_hid_acpi i2c-ATP0105:00: PM: dpm_run_callback(): acpi_subsys_resume+0x0/0x60 returns -61
[ 1843.220245] i2c_hid_acpi i2c-ATP0105:00: PM: failed to resume async: error -61
[ 1843.551020] PM: resume devices took 0.412 seconds
```

`cat /sys/power/mem_sleep` shows `[s2idle] deep`. BIOS 1.09.""",
        "tags": ["linux", "ubuntu", "touchpad", "suspend"],
        "product": "AeroBook laptops",
        "author": "ohm-dev",
        "days_ago": 100,
        "votes": 7,
        "answers": [
            {
                "author": "ohm-dev",
                "body": """Answering my own question in case it helps someone: the touchpad controller doesn't come back from s2idle in time on BIOS 1.09, and the kernel gives up (`-61` = ENODATA). Two workarounds that both work for me:

**Option A: reload the driver after resume** with a systemd sleep hook:

```bash
sudo tee /usr/lib/systemd/system-sleep/aerobook-touchpad <<'EOF'
#!/bin/sh
# Reload the I2C HID driver after resume, the AeroBook touchpad misses its reset
case "$1/$2" in
  post/*) modprobe -r i2c_hid_acpi && modprobe i2c_hid_acpi ;;
esac
EOF
sudo chmod +x /usr/lib/systemd/system-sleep/aerobook-touchpad
```

**Option B: use deep (S3) sleep instead of s2idle.** Add `mem_sleep_default=deep` to the kernel command line:

```bash
sudo sed -i 's/GRUB_CMDLINE_LINUX_DEFAULT="/&mem_sleep_default=deep /' /etc/default/grub
sudo update-grub
```

Deep sleep also drains less battery, but the first wake takes ~3 seconds longer. I went with option B.""",
                "votes": 6,
                "accepted": True,
                "hours_after": 30,
                "comments": [
                    {"author": "netgeek_42", "body": "Option A worked for me on Fedora 40 too. The module name is the same, I only had to put the script in /usr/lib/systemd/system-sleep as well."},
                ],
            },
            {
                "author": "maria_k",
                "body": """FYI, the **BIOS 1.11** release notes for the AeroBook 14 say "Improved touchpad resume reliability on Linux (s2idle)". I haven't tested on Linux myself, but it might make the workaround unnecessary. You can flash it from a USB stick via the BIOS menu (F2 → *Update BIOS from drive*), no Windows needed.""",
                "votes": 4,
                "accepted": False,
                "hours_after": 52,
                "comments": [],
            },
        ],
        "comments": [
            {"author": "priya.n", "body": "Thanks for posting the dmesg output. Retagged with 'suspend' so it shows up for the other sleep-related threads."},
        ],
    },
    # 16 ----------------------------------------------------------------- DNS
    {
        "title": "Some websites won't load behind my LinkPoint router, but pinging their IP address works",
        "body": r"""Random websites fail with "This site can't be reached – DNS_PROBE_FINISHED_NXDOMAIN" on every device in the house (laptops, phones, the TV). Other sites load fine. It started a few days ago. If I ping the IP address of one of the broken sites directly it responds, so the internet connection itself is up.

- LinkPoint AX3000, firmware 1.4.2
- ISP fibre, router in the default setup
- Restarted the router twice, `ipconfig /flushdns` on the laptop

What should I check?""",
        "tags": ["dns", "router", "network"],
        "product": "LinkPoint routers",
        "author": "lena-b",
        "days_ago": 14,
        "votes": 3,
        "answers": [
            {
                "author": "netgeek_42",
                "body": """Ping by IP working while names fail = DNS. By default the LinkPoint acts as a DNS proxy and forwards everything to your ISP's DNS servers, so if those are flaky every device in the house is affected. Let's narrow it down from a Windows machine (replace `broken-site.example` with one that fails):

```text
nslookup broken-site.example              (your default, i.e. the router)
nslookup broken-site.example 192.168.1.1  (ask the router explicitly)
nslookup broken-site.example 9.9.9.9      (ask a public resolver directly)
```

- **Fails via the router, works via 9.9.9.9** → the ISP's resolvers are the problem. In the router: *Advanced → Network → Internet → DNS Server* → switch from "Get automatically from ISP" to **Use the following DNS servers** and enter two public resolvers (for example `9.9.9.9` and `1.1.1.1`). Save, then run `ipconfig /flushdns` on each computer or simply reconnect devices to Wi-Fi.
- **Fails everywhere** → it's the domain itself, nothing you can fix.
- **Only fails for names that point to private addresses** (like `192.168.x.x`) → that's the router's *DNS rebinding protection*, under *Security → DNS Rebind Protection*; add an exception for that domain.

In your case (NXDOMAIN for normal public sites) I'd bet on the first one.""",
                "votes": 8,
                "accepted": True,
                "hours_after": 2,
                "comments": [
                    {"author": "lena-b", "body": "Router failed, 9.9.9.9 worked. Changed the DNS servers in the router and everything loads again. Thank you for the clear steps!"},
                ],
            },
            {
                "author": "fixit.felix",
                "body": """Turn off the firewall on the router and on Windows, that usually fixes sites being blocked.""",
                "votes": -2,
                "accepted": False,
                "hours_after": 3,
                "comments": [
                    {"author": "priya.n", "body": "Please don't suggest turning the firewall off. It doesn't affect DNS resolution at all, and it leaves every device on the network exposed."},
                ],
            },
        ],
        "comments": [],
    },
    # 17 ----------------------------------------------------------------- 5 GHz disappears (unsolved)
    {
        "title": "LinkPoint AX3000: 5 GHz network disappears for about a minute several times a day",
        "body": """Several times a day the 5 GHz network vanishes from every device for 60-90 seconds, then comes back. 2.4 GHz stays up the whole time. Devices that can fall back to 2.4 do, others (my work laptop, set to 5 GHz only) just disconnect.

Router settings: 5 GHz channel *Auto*, width 160 MHz, firmware 1.4.2. We live near a small regional airport, not sure if that matters.""",
        "tags": ["wifi", "router", "5ghz", "dfs"],
        "product": "LinkPoint routers",
        "author": "maria_k",
        "days_ago": 38,
        "votes": 5,
        "answers": [
            {
                "author": "netgeek_42",
                "body": """The airport matters a lot. With *Auto* and 160 MHz the router almost certainly uses **DFS channels** (52-144). Those are shared with weather and aviation radar; when the router detects a radar pulse it is legally required to leave the channel immediately and then run a **60-second channel availability check** before transmitting on a new DFS channel. That's your 60-90 second outage.

Check *System → System Log* for lines like:

```text
[wlan1] DFS: radar detected on channel 52, switching channel
[wlan1] DFS: CAC started on channel 100 (60 s)
```

If you see those, set the 5 GHz channel manually to a **non-DFS channel: 36, 40, 44 or 48**, and reduce the width to **80 MHz** (160 MHz can't be formed from non-DFS channels alone in most regions). You lose a bit of peak speed but the dropouts should stop completely.""",
                "votes": 6,
                "accepted": False,
                "hours_after": 4,
                "comments": [
                    {"author": "maria_k", "body": "Log shows 'radar detected' on channel 52 four times yesterday. Moved to 44 at 80 MHz, will report back after a week before accepting."},
                ],
            },
        ],
        "comments": [],
    },
    # 18 ----------------------------------------------------------------- Scan to email (unsolved)
    {
        "title": "PrintJet Pro 8600 scan-to-email fails with \"SMTP authentication failed (535)\"",
        "body": """Scan to email on our office PrintJet Pro 8600 worked for years and stopped last month. The printer now shows:

> Scan to Email failed. SMTP authentication failed (535). Check the outgoing mail server settings.

Settings in the printer's web page (*Scan → Scan to Email → Outgoing Email Profiles*):

- SMTP server: our provider's server, port 587
- "Server requires a secure connection (TLS)": ticked
- Username/password: the scanner mailbox account. I can log in with the same password in a browser

Nothing changed on our side. Firmware 4.12.""",
        "tags": ["scanning", "email", "smtp"],
        "product": "PrintJet printers",
        "author": "jtorres",
        "days_ago": 70,
        "votes": 2,
        "answers": [
            {
                "author": "ohm-dev",
                "body": """535 means the server rejected the username/password. If the same password works in the browser, your mail provider has most likely **turned off basic (password) authentication for SMTP**. Many providers did that recently and now require either an *app password* or OAuth.

- If your provider offers **app passwords**: create one for the scanner mailbox (usually under the account's security settings) and put that in the printer instead of the normal password. Keep port 587 with TLS.
- Some providers need SMTP AUTH enabled per mailbox in the admin console, even if it's allowed globally. Check that for the scanner account.

You can test outside the printer with:

```bash
openssl s_client -starttls smtp -connect smtp.yourprovider.example:587 -crlf -quiet
```

then `EHLO test` and check that `AUTH LOGIN` or `AUTH PLAIN` is listed at all.""",
                "votes": 3,
                "accepted": False,
                "hours_after": 15,
                "comments": [
                    {"author": "jtorres", "body": "AUTH is no longer offered at all, and our provider doesn't do app passwords for business accounts anymore. Is there any way to use OAuth on the printer?"},
                    {"author": "sam_support", "body": "Not currently, sorry. OAuth for scan-to-email is planned for the 5.x firmware. Workarounds for now: Scan to Network Folder (SMB), or send through a local SMTP relay that handles the OAuth part."},
                ],
            },
        ],
        "comments": [],
    },
    # 19 ----------------------------------------------------------------- MMS / APN
    {
        "title": "Can't send or receive MMS (picture messages) on Nimbus X3 after switching carriers",
        "body": """Moved to a new carrier last week and kept my number. Calls, SMS and mobile data all work. But picture messages fail: sending says "Not sent, tap to retry", and incoming ones show "Download failed". Group chats don't work either.

Wi-Fi off, mobile data on, Android 14. The carrier's chat support told me to restart the phone, which I've done about ten times.""",
        "tags": ["mms", "apn", "mobile-data"],
        "product": "Nimbus phones",
        "author": "lena-b",
        "days_ago": 47,
        "votes": 2,
        "answers": [
            {
                "author": "priya.n",
                "body": """Mobile data working but MMS failing is almost always the **APN** missing the `mms` type or the MMSC details. The phone picked up an APN for data, but MMS uses its own settings.

1. *Settings → Network & internet → SIMs → (your SIM) → **Access Point Names***.
2. Open the APN that's selected. If it has no **MMSC** field filled in, or **APN type** is just `default`, that's the problem.
3. Either edit it, or tap **+** to add a new one with the values from your carrier's website (search for your carrier's name plus "APN settings"). The important fields are:

| Field | Example value |
|---|---|
| APN | the carrier's APN name |
| MMSC | `http://mms.carrier.example/mms` |
| MMS proxy / port | only if the carrier lists one |
| APN type | `default,supl,mms` |

4. Save (⋮ → Save), select the new APN, toggle airplane mode on and off.

Then retry a failed message.""",
                "votes": 7,
                "accepted": True,
                "hours_after": 7,
                "comments": [
                    {"author": "lena-b", "body": "The APN type was only 'default' and MMSC was empty. Added the carrier's MMS settings and picture messages work again. Thanks!"},
                ],
            },
        ],
        "comments": [],
    },
    # 20 ----------------------------------------------------------------- HomeHub DST
    {
        "title": "HomeHub automations run exactly one hour late since the clocks changed",
        "body": """All my time-based automations (lights on at 07:00, heating schedule, etc.) now run at 08:00 since the clocks went back. The app shows the correct time, my phone shows the correct time. Sunset-based automations also seem off by an hour.

HomeHub Bridge, firmware 2.7.4, app 6.3.0 on iOS. I've already restarted the Bridge.""",
        "tags": ["automation", "timezone", "homehub-app"],
        "product": "HomeHub smart home",
        "author": "kwame_a",
        "days_ago": 110,
        "votes": 4,
        "answers": [
            {
                "author": "sam_support",
                "body": """Hi, this happens when the Bridge's time zone is stored as a **fixed UTC offset** instead of a region. Bridges set up with app versions before 6.0 sometimes saved e.g. "UTC+01:00", which doesn't follow daylight saving time. The app shows your phone's time, so it looks correct there.

To fix it:

1. *HomeHub app → Home → Bridge → Settings → **Location & time***.
2. Under *Time zone*, choose your **region/city** (for example *Europe/Berlin*), not an offset.
3. Tap *Save*. The Bridge re-syncs its schedules within a minute.
4. While you're there, update to Bridge firmware **2.8.1**, which also re-fetches the sunrise/sunset table after a time zone change.

Your automations don't need to be recreated.""",
                "votes": 8,
                "accepted": True,
                "hours_after": 4,
                "comments": [
                    {"author": "kwame_a", "body": "It was set to 'UTC+01:00'. Picked the city instead and this morning the lights came on at 07:00 again. Thanks!"},
                ],
            },
        ],
        "comments": [
            {"author": "netgeek_42", "body": "Same thing happened to me last spring. I think it's related to when the Bridge was first set up, mine was from the very first batch."},
        ],
    },
    # 21 ----------------------------------------------------------------- Loud fan (poor question)
    {
        "title": "fan is loud all the time how do i fix it",
        "body": """fan on my aerobook is super loud all the time even when im not doing anything. is it broken?? it didnt used to do this""",
        "tags": ["fan", "noise"],
        "product": "AeroBook laptops",
        "author": "newbie_rob",
        "days_ago": 30,
        "votes": -1,
        "answers": [
            {
                "author": "fixit.felix",
                "body": """Probably not broken. Check these:

- Open Task Manager (Ctrl+Shift+Esc) → sort by CPU. If something is using a lot of CPU while you're "doing nothing", that's your fan.
- Clean the vents on the bottom and side with compressed air (short bursts, hold the fan still with a toothpick so it doesn't overspin).
- In *AeroBook Control Center → Performance*, pick **Quiet** or **Balanced** instead of **Performance**.""",
                "votes": 2,
                "accepted": False,
                "hours_after": 6,
                "comments": [],
            },
            {
                "author": "jtorres",
                "body": """If you recently reset or reinstalled Windows, it spends the first days indexing files and installing updates in the background, which keeps the fan busy. Leave it plugged in and on overnight and see if it calms down.""",
                "votes": 1,
                "accepted": False,
                "hours_after": 30,
                "comments": [],
            },
        ],
        "comments": [
            {"author": "priya.n", "body": "Which AeroBook model is this, and what does Task Manager show for CPU usage while the fan is loud? Please edit your question with those details so people can help."},
        ],
    },
    # 22 ----------------------------------------------------------------- VPN DNS leak on Linux
    {
        "title": "SecureTunnel CLI on Ubuntu 24.04 leaks DNS, queries still go to my router",
        "body": """Connected with the SecureTunnel Linux CLI (`sectun` 5.2.0, .deb package) on Ubuntu 24.04. Traffic goes through the tunnel fine, but a DNS leak test shows my ISP's resolver, and `tcpdump` confirms DNS queries leaving via `wlp2s0` to the router:

```text
$ sudo tcpdump -ni wlp2s0 port 53
12:41:07.118233 IP 192.168.1.57.51234 > 192.168.1.1.53: 40812+ A? intranet.corp.example. (39)
12:41:07.131902 IP 192.168.1.1.53 > 192.168.1.57.51234: 40812 NXDomain 0/1/0 (112)
```

`resolvectl status` shows the tunnel interface got a DNS server but isn't used:

```text
Link 3 (wlp2s0)
    Current Scopes: DNS
         Protocols: +DefaultRoute -LLMNR -mDNS -DNSOverTLS DNSSEC=no/unsupported
Current DNS Server: 192.168.1.1
       DNS Servers: 192.168.1.1

Link 7 (st0)
    Current Scopes: DNS
         Protocols: -DefaultRoute -LLMNR -mDNS -DNSOverTLS DNSSEC=no/unsupported
       DNS Servers: 10.64.0.1
```

Besides the privacy issue, internal hostnames don't resolve at all.""",
        "tags": ["linux", "vpn", "dns", "ubuntu", "systemd-resolved"],
        "product": "SecureTunnel VPN",
        "author": "netgeek_42",
        "days_ago": 60,
        "votes": 6,
        "answers": [
            {
                "author": "ohm-dev",
                "body": """Your `resolvectl status` says it all: `st0` has a DNS server but `-DefaultRoute` and no routing domain, so systemd-resolved never sends anything there. The 5.2.0 client writes `/etc/resolv.conf`-style config, which Ubuntu ignores since it uses the resolved stub.

Quick fix for the running session:

```bash
sudo resolvectl dns st0 10.64.0.1
sudo resolvectl domain st0 '~.'          # route ALL lookups to the tunnel
sudo resolvectl default-route st0 true
sudo resolvectl default-route wlp2s0 false
resolvectl query intranet.corp.example   # should answer "via st0"
```

To make it permanent, tell the client to use resolved. In `/etc/securetunnel/client.conf`:

```ini
[dns]
mode = systemd-resolved
route_all_queries = true
```

then `sudo systemctl restart sectund` and reconnect. Re-run the tcpdump to verify: nothing should go out on port 53 via `wlp2s0` any more.""",
                "votes": 9,
                "accepted": True,
                "hours_after": 3,
                "comments": [
                    {"author": "netgeek_42", "body": "mode = systemd-resolved did it. tcpdump on wlp2s0 is silent and intranet names resolve. Thanks!"},
                ],
            },
            {
                "author": "sam_support",
                "body": """Official note: `sectun` **5.3.0** for Linux detects systemd-resolved and configures the tunnel link (including `~.` routing) automatically, so the config change above becomes the default. It's available from our apt repository:

```bash
sudo apt update && sudo apt install --only-upgrade securetunnel
```

If you manage the resolver some other way (dnsmasq, NetworkManager without resolved), keep `mode = resolvconf`.""",
                "votes": 5,
                "accepted": False,
                "hours_after": 50,
                "comments": [],
            },
        ],
        "comments": [],
    },
    # 23 ----------------------------------------------------------------- Duplex on macOS (unanswered)
    {
        "title": "Two-sided printing from macOS Sonoma prints every back page upside down",
        "body": """When I print double-sided from my Mac (macOS Sonoma 14.5, PrintJet 3200 added through System Settings → Printers & Scanners with the driverless option) every even page is upside down relative to the front. Printing the same PDF double-sided from Windows comes out correctly.

I've tried both "Long-Edge binding" and "Short-Edge binding" in the print dialog's Layout section. Short-edge makes it worse (the back is rotated differently but still wrong). Portrait A4 document.""",
        "tags": ["macos", "printing", "duplex"],
        "product": "PrintJet printers",
        "author": "dana.w",
        "days_ago": 3,
        "votes": 1,
        "answers": [],
        "comments": [
            {"author": "maria_k", "body": "Does it happen with every app or only in Preview? Preview has its own auto-rotate option that sometimes interferes with duplex. Try the same PDF from a browser and see if it changes."},
            {"author": "dana.w", "body": "Happens in Preview, in a word processor and in the browser, so not just one app."},
        ],
    },
    # 24 ----------------------------------------------------------------- Camera black screen (unanswered)
    {
        "title": "HomeHub Cam 2 live view shows only a black screen in the Android app",
        "body": """Live view of my HomeHub Cam 2 is just black in the Android app. Timer in the corner runs, audio works, but no picture. Recorded clips play fine, and live view works in the app on my wife's iOS phone.

Android 14, HomeHub app 6.3.0, camera firmware 1.9.2. Cleared the app cache and reinstalled.""",
        "tags": ["camera", "android-14", "homehub-app"],
        "product": "HomeHub smart home",
        "author": "kwame_a",
        "days_ago": 2,
        "votes": 0,
        "answers": [],
        "comments": [],
    },
    # 25 ----------------------------------------------------------------- Mesh backhaul (unanswered)
    {
        "title": "LinkPoint Mesh M2 satellite always shows \"Weak backhaul\" even 5 m from the main unit",
        "body": """Just set up a LinkPoint Mesh M2 two-pack. The satellite is about 5 metres from the main unit with one interior wall in between, and the app permanently shows it with an orange *Weak backhaul* warning. Devices connected to the satellite get 40-60 Mbit/s, while near the main unit I get 400+.

Things I tried:

- Moving the satellite closer (3 m, same room): still "Weak"
- Rebooting both units
- Removing and re-adding the satellite in the app

Firmware 1.1.3 on both. Is it faulty?""",
        "tags": ["mesh", "wifi", "router"],
        "product": "LinkPoint routers",
        "author": "lena-b",
        "days_ago": 1,
        "votes": 2,
        "answers": [],
        "comments": [
            {"author": "netgeek_42", "body": "Is there an Ethernet cable run possible between them? Also, what channel is the main unit's 5 GHz on? If it's on a DFS channel the satellite may be stuck on a fallback link."},
        ],
    },
    # 26 ----------------------------------------------------------------- eSIM (unanswered)
    {
        "title": "eSIM transfer to my new Nimbus X3 stuck on \"Activating…\" for hours",
        "body": """got a new nimbus x3, used the transfer eSIM from old phone option during setup. its been saying Activating... for like 5 hours. old phone now says no SIM. i have no signal on either phone. what do i do""",
        "tags": ["esim", "activation"],
        "product": "Nimbus phones",
        "author": "newbie_rob",
        "days_ago": 0,
        "votes": 0,
        "answers": [],
        "comments": [],
    },
    # 27 ----------------------------------------------------------------- Keyboard backlight
    {
        "title": "Keyboard backlight stopped working after BIOS update 1.12 on AeroBook Pro 16",
        "body": """Updated the BIOS to 1.12 through Support Assistant yesterday. Since then the keyboard backlight doesn't turn on at all. Before the update it came on automatically in the dark.

Windows 11, Control Center 4.2. The brightness slider for the keyboard in Control Center is there but moving it does nothing.""",
        "tags": ["keyboard", "backlight", "bios"],
        "product": "AeroBook laptops",
        "author": "dana.w",
        "days_ago": 80,
        "votes": 2,
        "answers": [
            {
                "author": "jtorres",
                "body": """A BIOS update resets the backlight settings to default, which on the Pro 16 is **off with a 15 s timeout**.

- Press **Fn + Space** to cycle the backlight: off → low → high.
- Then in *AeroBook Control Center → Keyboard → Backlight timeout*, set *On AC* and *On battery* to whatever you like (I use **Never** on AC, **30 s** on battery).
- "Auto-on in the dark" is a separate toggle on the same page and is also switched off after the update.

The slider in Control Center only changes the brightness *level*, it doesn't switch the backlight on, which is confusing.""",
                "votes": 6,
                "accepted": True,
                "hours_after": 2,
                "comments": [
                    {"author": "dana.w", "body": "Fn + Space. I feel silly now. Auto-on was indeed off too. Thanks!"},
                ],
            },
        ],
        "comments": [],
    },
    # 28 ----------------------------------------------------------------- Serial numbers (no product)
    {
        "title": "How do I find the serial number of my device without turning it over?",
        "body": """Support asked for the serial number for a warranty claim, but the label on the bottom of my laptop is worn off and my router is screwed to the wall. Is there a way to read it from software? I have devices from several product lines, so a general answer would be great.""",
        "tags": ["serial-number", "warranty", "windows-11", "macos", "linux"],
        "product": None,
        "author": "kwame_a",
        "days_ago": 95,
        "votes": 3,
        "answers": [
            {
                "author": "maria_k",
                "body": """The serial number is stored in firmware on all of them, so yes:

| Device / OS | Where to find it |
|---|---|
| Windows 11 laptop | PowerShell: `Get-CimInstance Win32_BIOS | Select-Object SerialNumber` |
| macOS | `system_profiler SPHardwareDataType | grep Serial`, or the menu bar logo → About This Mac |
| Linux | `sudo dmidecode -s system-serial-number` |
| AeroBook (any OS) | BIOS setup (F2) → *Main* page |
| Nimbus phone | *Settings → About phone → Status → Serial number*, or dial `*#06#` for the IMEI |
| LinkPoint router | Web UI → *Status → Device info*, or in the LinkPoint app under the router's details |
| PrintJet printer | Print the configuration page (hold the *i* button for 3 s) |
| HomeHub devices | HomeHub app → device → ⚙ → *Device info* |

On Windows the old `wmic bios get serialnumber` still works on many machines, but `wmic` is deprecated and not installed on newer builds, so use the PowerShell command.""",
                "votes": 7,
                "accepted": True,
                "hours_after": 1,
                "comments": [
                    {"author": "kwame_a", "body": "PowerShell one worked for the laptop, router info page for the router. Claim submitted. Thank you!"},
                    {"author": "admin", "body": "Great reference answer. We've linked it from the 'Before you contact support' page."},
                ],
            },
        ],
        "comments": [],
    },
    # 29 ----------------------------------------------------------------- Port forwarding / CGNAT
    {
        "title": "Port forwarding on LinkPoint AX3000 not working for my game server",
        "body": r"""Trying to host a small dedicated game server for friends on UDP 27015. Set up the port forward in the router (*Advanced → NAT Forwarding → Virtual Servers*): external 27015 → internal 192.168.1.20:27015, protocol UDP. The server PC has a DHCP reservation for .20.

From inside my network I can connect fine. My friends can't, and every online port checker says the port is closed. Also tried putting the PC in the DMZ for a test, same result.

Router firmware 1.4.2. The WAN status page shows WAN IP `100.72.18.203`.""",
        "tags": ["port-forwarding", "nat", "router", "gaming"],
        "product": "LinkPoint routers",
        "author": "fixit.felix",
        "days_ago": 85,
        "votes": 3,
        "answers": [
            {
                "author": "netgeek_42",
                "body": r"""That WAN IP is the giveaway: `100.72.18.203` is in **100.64.0.0/10**, the range reserved for **carrier-grade NAT (CGNAT)**. Your ISP puts many customers behind one public address, so your router isn't reachable from the internet at all, and no port forward or DMZ on your side can change that.

Compare with your real public IP (any "what is my IP" site). If they differ, you're behind CGNAT. Options:

1. **Ask your ISP for a public IPv4 address.** Many do it for free or a small monthly fee; sometimes it's called "static IP" or "disable CGNAT".
2. **Use IPv6**, if your ISP provides it and the game supports it. Enable IPv6 on the router (*Advanced → IPv6*) and allow the port in the router's IPv6 firewall instead.
3. **Rent a small VPS** and tunnel the port to it (WireGuard), for when the ISP says no.

Once you have a public IP, don't forget the Windows firewall on the server PC:

```powershell
New-NetFirewallRule -DisplayName "Game server UDP 27015" -Direction Inbound -Protocol UDP -LocalPort 27015 -Action Allow
```

And keep in mind most online port checkers test **TCP**, so they'll say "closed" for a UDP-only service even when it works. Have a friend try to connect instead.""",
                "votes": 9,
                "accepted": True,
                "hours_after": 5,
                "comments": [
                    {"author": "fixit.felix", "body": "Public IP was completely different, so CGNAT it is. ISP switched me to a public IPv4 for free after one phone call. Works now."},
                ],
            },
        ],
        "comments": [],
    },
    # 30 ----------------------------------------------------------------- Wi-Fi calling (unsolved)
    {
        "title": "Wi-Fi Calling option missing on Nimbus 7 Lite",
        "body": """My carrier supports Wi-Fi Calling (my old phone had it on the same plan), but on the Nimbus 7 Lite there's no Wi-Fi Calling switch anywhere. I have almost no signal at home so I really need it. Android 14, software NM7L.14.0.2, dual SIM but only one SIM in use.""",
        "tags": ["wifi-calling", "carrier", "android-14"],
        "product": "Nimbus phones",
        "author": "jtorres",
        "days_ago": 16,
        "votes": 1,
        "answers": [
            {
                "author": "priya.n",
                "body": """On the Nimbus phones the switch is under *Settings → Network & internet → SIMs → (your SIM) → **Wi-Fi calling***, and it only appears once the carrier has provisioned the feature for that specific phone model. Being supported on your plan isn't enough; the carrier has to list the Nimbus 7 Lite as approved for their VoWiFi service.

To check what the phone sees, dial `*#*#4636#*#*` → *Phone information* → the *IMS Service Status* line shows whether IMS is registered and whether "WFC" is available.

If it says WFC unavailable, ask your carrier specifically whether the Nimbus 7 Lite is on their Wi-Fi Calling device list. If it isn't, only they can add it.""",
                "votes": 2,
                "accepted": False,
                "hours_after": 9,
                "comments": [
                    {"author": "jtorres", "body": "IMS registered, WFC 'not available'. Carrier says the phone isn't on their list yet and they can't give a date. I'll leave this open in case it changes."},
                ],
            },
            {
                "author": "newbie_rob",
                "body": """try a factory reset, that fixed a missing setting on my old phone""",
                "votes": -1,
                "accepted": False,
                "hours_after": 40,
                "comments": [],
            },
        ],
        "comments": [],
    },
]


if __name__ == "__main__":
    import re
    import sys

    from forum.inputs import TAG_CHARS

    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    username_re = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
    tag_re = re.compile(f"^[{TAG_CHARS}]{{1,35}}$")
    roles = ("member", "staff", "moderator", "admin")

    by_name = {}
    emails = set()
    for user in USERS:
        name = user["username"]
        check(set(user) == {"username", "email", "role", "bonus"}, f"user {name}: unexpected keys")
        check(bool(username_re.match(name)), f"user {name}: bad username")
        check(name.lower() not in {n.lower() for n in by_name}, f"user {name}: duplicate username")
        check("@" in user["email"] and user["email"].lower() not in emails, f"user {name}: bad or duplicate email")
        check(user["role"] in roles, f"user {name}: bad role {user['role']!r}")
        check(isinstance(user["bonus"], int) and 0 <= user["bonus"] <= 3000, f"user {name}: bad bonus")
        by_name[name] = user
        emails.add(user["email"].lower())
    role_counts = {r: sum(1 for u in USERS if u["role"] == r) for r in roles}
    check(role_counts["staff"] == 1 and role_counts["moderator"] == 1 and role_counts["admin"] == 1,
          f"expected one staff, one moderator, one admin: {role_counts}")
    check(by_name.get("admin", {}).get("role") == "admin", "the admin user must be called 'admin'")
    check(len(set(PRODUCTS)) == len(PRODUCTS), "duplicate products")

    comment_min_rep = 50  # PRIV_COMMENT: below it, people comment only on their own thread/posts

    def check_votes(votes, where):
        check(isinstance(votes, int) and -2 <= votes <= 9, f"{where}: votes {votes!r} out of range")
        # Each other user votes at most once, never on their own post.
        check(abs(votes) <= len(USERS) - 1, f"{where}: more votes than possible voters")

    def check_comments(comments, where, thread_author, post_author):
        for c in comments:
            check(set(c) == {"author", "body"}, f"{where}: comment has unexpected keys")
            check(c["author"] in by_name, f"{where}: unknown comment author {c['author']!r}")
            check(15 <= len(c["body"]) <= 600, f"{where}: comment length {len(c['body'])}")
            check(c["body"] == c["body"].strip(), f"{where}: comment has surrounding whitespace")
            user = by_name.get(c["author"])
            if user and user["role"] == "member" and user["bonus"] < comment_min_rep:
                check(c["author"] in (thread_author, post_author),
                      f"{where}: low-reputation {c['author']} comments on someone else's post")

    titles = set()
    n_answers = n_comments = n_accepted = n_unanswered = 0
    keys = {"title", "body", "tags", "product", "author", "days_ago", "votes", "answers", "comments"}
    answer_keys = {"author", "body", "votes", "accepted", "hours_after", "comments"}
    for i, t in enumerate(THREADS, 1):
        where = f"thread {i} ({t.get('title', '')[:40]!r})"
        check(set(t) == keys, f"{where}: keys {sorted(set(t) ^ keys)}")
        check(15 <= len(t["title"]) <= 150, f"{where}: title length {len(t['title'])}")
        check(t["title"] == t["title"].strip(), f"{where}: title has surrounding whitespace")
        check(t["title"].lower() not in titles, f"{where}: duplicate title")
        titles.add(t["title"].lower())
        check(30 <= len(t["body"]) <= 30000, f"{where}: body length {len(t['body'])}")
        check(t["body"] == t["body"].strip(), f"{where}: body has surrounding whitespace")
        check(t["body"].count("```") % 2 == 0, f"{where}: unbalanced code fences")
        check(1 <= len(t["tags"]) <= 5, f"{where}: {len(t['tags'])} tags")
        check(len(set(t["tags"])) == len(t["tags"]), f"{where}: duplicate tags")
        for tag in t["tags"]:
            check(bool(tag_re.match(tag)), f"{where}: bad tag {tag!r}")
        check(t["product"] is None or t["product"] in PRODUCTS, f"{where}: unknown product {t['product']!r}")
        check(t["author"] in by_name, f"{where}: unknown author {t['author']!r}")
        check(isinstance(t["days_ago"], int) and 0 <= t["days_ago"] <= 120, f"{where}: days_ago")
        check_votes(t["votes"], where)
        check_comments(t["comments"], where, t["author"], t["author"])
        n_comments += len(t["comments"])
        accepted = 0
        for j, a in enumerate(t["answers"], 1):
            aw = f"{where} answer {j}"
            check(set(a) == answer_keys, f"{aw}: keys {sorted(set(a) ^ answer_keys)}")
            check(a["author"] in by_name, f"{aw}: unknown author {a['author']!r}")
            check(30 <= len(a["body"]) <= 30000, f"{aw}: body length {len(a['body'])}")
            check(a["body"] == a["body"].strip(), f"{aw}: body has surrounding whitespace")
            check(a["body"].count("```") % 2 == 0, f"{aw}: unbalanced code fences")
            check_votes(a["votes"], aw)
            check(isinstance(a["accepted"], bool), f"{aw}: accepted must be a bool")
            check(isinstance(a["hours_after"], int) and a["hours_after"] >= 1, f"{aw}: hours_after")
            check(a["hours_after"] <= t["days_ago"] * 24, f"{aw}: answer would be in the future")
            check_comments(a["comments"], aw, t["author"], a["author"])
            accepted += a["accepted"]
            n_comments += len(a["comments"])
        check(accepted <= 1, f"{where}: {accepted} accepted answers")
        n_answers += len(t["answers"])
        n_accepted += accepted
        n_unanswered += not t["answers"]

    for name in by_name:
        check(any(t["author"] == name or any(a["author"] == name for a in t["answers"])
                  or any(c["author"] == name for c in t["comments"])
                  or any(c["author"] == name for a in t["answers"] for c in a["comments"])
                  for t in THREADS), f"user {name} never appears")

    print(f"users:      {len(USERS)}  roles: {role_counts}")
    print(f"products:   {len(PRODUCTS)}")
    print(f"threads:    {len(THREADS)}")
    print(f"answers:    {n_answers}")
    print(f"comments:   {n_comments}")
    print(f"solved:     {n_accepted} ({n_accepted / len(THREADS):.0%})")
    print(f"unanswered: {n_unanswered}")
    print(f"tags:       {len({tag for t in THREADS for tag in t['tags']})} distinct")
    per_product = {p: sum(1 for t in THREADS if t["product"] == p) for p in [*PRODUCTS, None]}
    print(f"per product: {per_product}")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        sys.exit(1)
    print("\nOK: all checks passed")
