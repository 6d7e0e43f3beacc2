#define BOOST_TEST_MODULE strato_engine
#include <boost/test/unit_test.hpp>
