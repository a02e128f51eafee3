# participation signals
